// `mizzen validate -f <file|dir|->...`: decode and validate configuration, print every problem.
// Exit 0 when valid (warnings allowed), 1 when any error, 2 on usage errors.
import { stat } from "node:fs/promises";
import { parseArgs } from "node:util";
import { formatDiagnostic, type Diagnostic } from "../../config/diagnostic.js";
import { decodePaths } from "../../config/decode/index.js";
import { formatJson, parseArgsMessage, parseOutputFormat, printErr, printOut, usageError } from "../output.js";
import type { Command } from "../registry.js";

const USAGE = 2;

const HELP = `Validate Istio and Kubernetes configuration files.

Usage: mizzen validate -f <file|dir|->... [-o text|json]

Every problem is printed with its file, line, resource and field path; warnings too.
Directories are read recursively (*.yaml, *.yml, *.json); "-" reads standard input.

Flags:
  -f, --filename <path>   file, directory or "-" (repeatable)
  -o, --output <format>   text (default) or json
  -h, --help              show this help

Exit status: 0 valid, 1 invalid, 2 usage error.`;

export interface ValidationReport {
  valid: boolean;
  resources: number;
  diagnostics: {
    file?: string;
    line?: number;
    resource?: { kind: string; namespace?: string; name: string };
    path?: string;
    code: string;
    severity: string;
    message: string;
  }[];
}

export function validationReport(resourceCount: number, diagnostics: readonly Diagnostic[]): ValidationReport {
  return {
    valid: !diagnostics.some((d) => d.severity === "error"),
    resources: resourceCount,
    diagnostics: diagnostics.map((d) => ({
      ...(d.file !== undefined ? { file: d.file } : {}),
      ...(d.line !== undefined ? { line: d.line } : {}),
      ...(d.resource ? { resource: { ...d.resource } } : {}),
      ...(d.path !== undefined ? { path: d.path } : {}),
      code: d.code,
      severity: d.severity,
      message: d.message,
    })),
  };
}

async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        filename: { type: "string", short: "f", multiple: true },
        output: { type: "string", short: "o" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    usageError("validate", parseArgsMessage(e));
    return USAGE;
  }
  if (parsed.values.help) {
    printOut(HELP);
    return 0;
  }
  const format = parseOutputFormat(parsed.values.output);
  if (!format || format === "yaml") {
    usageError("validate", `unknown output format "${parsed.values.output ?? ""}" (want text or json)`);
    return USAGE;
  }
  const paths = parsed.values.filename ?? [];
  if (paths.length === 0) {
    usageError("validate", "no input: give at least one -f <file|dir|->");
    return USAGE;
  }
  for (const p of paths) {
    if (p === "-") continue;
    try {
      await stat(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      printErr(`mizzen validate: cannot read "${p}": ${code === "ENOENT" ? "no such file or directory" : (e as Error).message}`);
      return USAGE;
    }
  }
  const { resources, diagnostics } = await decodePaths(paths);
  const report = validationReport(resources.length, diagnostics);
  if (format === "json") {
    printOut(formatJson(report));
  } else {
    for (const d of diagnostics) printOut(formatDiagnostic(d));
    const errors = diagnostics.filter((d) => d.severity === "error").length;
    const warnings = diagnostics.filter((d) => d.severity === "warning").length;
    const summary = `${resources.length} valid resource${resources.length === 1 ? "" : "s"}, ${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`;
    if (report.valid) printOut(`✔ ${summary}`);
    else printErr(`✘ ${summary}`);
  }
  return report.valid ? 0 : 1;
}

export const validateCommand: Command = {
  name: "validate",
  summary: "validate Istio and Kubernetes config files: every problem with file, line and field path",
  run,
};
