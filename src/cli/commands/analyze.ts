// `mizzen analyze`: cross-resource analysis printed as istioctl analyze prints it, with its exit
// codes: 79 when a message is at or above the failure threshold (text output only, as istioctl),
// 65 when some input could not be parsed, 64 on usage errors, 1 when an input cannot be read.
import { stat } from "node:fs/promises";
import { parseArgs } from "node:util";
import { formatDiagnostic } from "../../config/diagnostic.js";
import { decodePaths } from "../../config/decode/index.js";
import { analyze, analyzers, levelRank, parseLevel, renderMessage, structuredMessage, type Level } from "../../config/analyze/index.js";
import { formatStructured, parseArgsMessage, parseOutputFormat, printErr, printOut, usageError } from "../output.js";
import type { Command } from "../registry.js";

export const ExitCode = { IncorrectUsage: 64, DataError: 65, AnalyzerFoundIssues: 79, Unreadable: 1 } as const;

const HELP = `Analyze Istio configuration and print validation messages.

Usage: mizzen analyze -f <file|dir>... [flags]
       mizzen analyze <file|dir>... [flags]

Flags:
  -f, --filename <path>          file, directory or "-" for stdin (repeatable)
  -A, --all-namespaces           analyze all namespaces
  -n, --namespace <ns>           namespace to analyze (default "default")
  -o, --output <format>          log|text (default), json or yaml
      --failure-threshold <lvl>  Info, Warning or Error (default Error): exit 79 at or above it
      --output-threshold <lvl>   Info (default), Warning or Error: print messages at or above it
  -L, --list-analyzers           list the analyzers and exit
  -h, --help                     show this help

Exit status: 0 no issues, 79 issues at or above the failure threshold, 65 unparseable input,
64 usage error, 1 unreadable input.`;

function levelFlag(name: string, value: string | undefined, fallback: Level): Level | string {
  if (value === undefined) return fallback;
  return parseLevel(value) ?? `invalid ${name} "${value}" (want Info, Warning or Error)`;
}

async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        filename: { type: "string", short: "f", multiple: true },
        "all-namespaces": { type: "boolean", short: "A" },
        namespace: { type: "string", short: "n" },
        output: { type: "string", short: "o" },
        "failure-threshold": { type: "string" },
        "output-threshold": { type: "string" },
        "list-analyzers": { type: "boolean", short: "L" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    usageError("analyze", parseArgsMessage(e));
    return ExitCode.IncorrectUsage;
  }
  const v = parsed.values;
  if (v.help) {
    printOut(HELP);
    return 0;
  }
  if (v["list-analyzers"]) {
    const sorted = [...analyzers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    printOut(["Available analyzers:", ...sorted.map((a) => `* ${a.name}:\n    ${a.description}`)].join("\n"));
    return 0;
  }
  const format = parseOutputFormat(v.output);
  const failure = levelFlag("--failure-threshold", v["failure-threshold"], "Error");
  const output = levelFlag("--output-threshold", v["output-threshold"], "Info");
  const problem =
    (!format && `${v.output ?? ""} not a valid option for format (want log, text, json or yaml)`) ||
    (!parseLevel(failure) && failure) ||
    (!parseLevel(output) && output) ||
    (v["all-namespaces"] && v.namespace !== undefined && "--all-namespaces and --namespace cannot be used together");
  if (problem || !format) {
    usageError("analyze", problem || "invalid flags");
    return ExitCode.IncorrectUsage;
  }
  const paths = [...(v.filename ?? []), ...parsed.positionals];
  if (paths.length === 0) {
    usageError("analyze", "no input: give files or directories with -f (there is no live cluster to analyze)");
    return ExitCode.IncorrectUsage;
  }
  for (const p of paths) {
    if (p === "-") continue;
    try {
      await stat(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      printErr(`mizzen analyze: cannot read "${p}": ${code === "ENOENT" ? "no such file or directory" : (e as Error).message}`);
      return ExitCode.Unreadable;
    }
  }

  const namespace = v["all-namespaces"] ? undefined : (v.namespace ?? "default");
  const target = namespace === undefined ? "all namespaces" : `namespace: ${namespace}`;
  const decoded = await decodePaths(paths);
  const result = analyze(decoded, namespace === undefined ? {} : { namespace });

  if (result.parseErrors.length > 0) {
    printErr(`Error(s) adding files:\n${result.parseErrors.map((d) => "  " + formatDiagnostic(d)).join("\n")}`);
  }
  const shown = result.messages.filter((m) => levelRank[m.type.level] >= levelRank[output as Level]);
  if (format === "text") printOut(shown.map(renderMessage).join("\n"));
  else printOut(formatStructured(shown.map(structuredMessage), format));

  if (shown.length === 0) {
    const unparsed = new Set(result.parseErrors.map((d) => d.file ?? "")).size;
    if (unparsed === 0) printErr(`✔ No validation issues found when analyzing ${target}.`);
    else printErr(`No validation issues found when analyzing ${target} (but ${unparsed} ${unparsed === 1 ? "file" : "files"} could not be parsed).`);
  }
  // As istioctl: the exit code reflects every message, not only those shown, and only for log output.
  if (format !== "text") return 0;
  if (result.messages.some((m) => levelRank[m.type.level] >= levelRank[failure as Level])) {
    printErr(`Analyzers found issues when analyzing ${target}.\nSee https://istio.io/latest/docs/reference/config/analysis for more information about causes and resolutions.`);
    return ExitCode.AnalyzerFoundIssues;
  }
  return result.parseErrors.length > 0 ? ExitCode.DataError : 0;
}

export const analyzeCommand: Command = {
  name: "analyze",
  summary: "analyze config across resources and print IST messages, as istioctl analyze",
  run,
};
