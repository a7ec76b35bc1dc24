// Decodes files, directories (recursively: *.yaml, *.yml, *.json in sorted order) and "-" (stdin).
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCode, type Diagnostic } from "../diagnostic.js";
import { decodeText, type DecodeResult } from "./text.js";

const configFile = /\.(ya?ml|json)$/i;
const maxDepth = 32;

export async function decodePaths(paths: readonly string[], stdin: NodeJS.ReadableStream = process.stdin): Promise<DecodeResult> {
  const out: DecodeResult = { resources: [], diagnostics: [] };
  for (const p of paths) {
    if (p === "-") {
      const text = await readStream(stdin).catch((e: unknown) => ioError(out.diagnostics, "<stdin>", e));
      if (text !== undefined) merge(out, decodeText(text, "<stdin>"));
      continue;
    }
    const files = await listFiles(p, out.diagnostics, 0, true);
    for (const f of files) {
      const text = await readFile(f, "utf8").catch((e: unknown) => ioError(out.diagnostics, f, e));
      if (text !== undefined) merge(out, decodeText(text, f));
    }
  }
  return out;
}

async function listFiles(p: string, diags: Diagnostic[], depth: number, explicit: boolean): Promise<string[]> {
  const st = await stat(p).catch((e: unknown) => ioError(diags, p, e));
  if (!st) return [];
  if (st.isFile()) return explicit || configFile.test(p) ? [p] : [];
  if (!st.isDirectory()) return [];
  if (depth >= maxDepth) {
    diags.push({ severity: "error", code: ErrorCode.Io, message: `directory nesting deeper than ${maxDepth}`, file: p });
    return [];
  }
  const names = await readdir(p).catch((e: unknown) => ioError(diags, p, e));
  if (!names) return [];
  const out: string[] = [];
  for (const name of [...names].sort()) {
    if (name.startsWith(".")) continue; // editors' and Kubernetes' ..data hidden entries
    out.push(...(await listFiles(join(p, name), diags, depth + 1, false)));
  }
  return out;
}

function ioError(diags: Diagnostic[], file: string, e: unknown): undefined {
  const code = (e as { code?: unknown } | null)?.code;
  const why = code === "ENOENT" ? "no such file or directory" : e instanceof Error ? e.message : String(e);
  diags.push({ severity: "error", code: ErrorCode.Io, message: `cannot read: ${why}`, file });
  return undefined;
}

function merge(out: DecodeResult, r: DecodeResult): void {
  out.resources.push(...r.resources);
  out.diagnostics.push(...r.diagnostics);
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}
