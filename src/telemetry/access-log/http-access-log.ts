// HTTP access loggers from Envoy's access_log config (envoy.access_loggers.file / stdout /
// stderr with log_format.text_format_source or json_format, Istio's text format by default)
// and their filters (status_code_filter, response_flag_filter, CEL extension_filter, and/or).
import { createWriteStream, type WriteStream } from "node:fs";
import { MizzenError } from "../../errors.js";
import type { EnvoyJson } from "../../proxy/contracts.js";
import { compileCelFilter, type CelPredicate } from "./cel-filter.js";
import { ISTIO_TEXT_FORMAT } from "./formats.js";
import type { AccessLogEntry } from "./log-entry.js";
import { compileJsonFormat, compileTextFormat, type CompiledTextFormat } from "./substitution-format.js";

export const FILE_ACCESS_LOG_TYPE = "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog";
export const STDOUT_ACCESS_LOG_TYPE = "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog";
export const STDERR_ACCESS_LOG_TYPE = "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog";
export const CEL_FILTER_TYPE = "type.googleapis.com/envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter";

export interface HttpAccessLogger {
  log(e: AccessLogEntry): void;
}

function bad(field: string, why: string): MizzenError {
  return new MizzenError("MIZZEN_ERR_XDS_INVALID", `${field}: ${why}`);
}

function isObj(v: unknown): v is EnvoyJson {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

const streams = new Map<string, WriteStream>();

/** Appends to a file, shared per path; an unwritable log never takes the proxy down. */
function writerFor(path: string): (line: string) => void {
  if (path === "/dev/stdout") return (l) => { process.stdout.write(l); };
  if (path === "/dev/stderr") return (l) => { process.stderr.write(l); };
  return (l) => {
    let s = streams.get(path);
    if (s === undefined) {
      s = createWriteStream(path, { flags: "a" });
      s.on("error", () => undefined);
      streams.set(path, s);
    }
    s.write(l);
  };
}

/** Flushes and closes the file streams (tests, shutdown). */
export async function closeAccessLogFiles(): Promise<void> {
  const all = [...streams.values()];
  streams.clear();
  await Promise.all(all.map((s) => new Promise<void>((r) => s.end(() => r()))));
}

function compileFormat(tc: EnvoyJson, field: string): CompiledTextFormat {
  const lf = tc["log_format"];
  if (isObj(lf)) {
    if (isObj(lf["json_format"])) return compileJsonFormat(lf["json_format"], `${field}.log_format.json_format`);
    const src = lf["text_format_source"];
    if (isObj(src) && typeof src["inline_string"] === "string") return compileTextFormat(src["inline_string"], `${field}.log_format.text_format_source`);
    if (typeof lf["text_format"] === "string") return compileTextFormat(lf["text_format"], `${field}.log_format.text_format`);
  }
  if (typeof tc["format"] === "string") return compileTextFormat(tc["format"], `${field}.format`);
  if (isObj(tc["json_format"])) return compileJsonFormat(tc["json_format"], `${field}.json_format`);
  return compileTextFormat(ISTIO_TEXT_FORMAT, `${field}.log_format`);
}

const CMP: Record<string, (a: number, b: number) => boolean> = { EQ: (a, b) => a === b, GE: (a, b) => a >= b, LE: (a, b) => a <= b };

export function compileAccessLogFilter(f: unknown, field: string): CelPredicate {
  if (!isObj(f)) throw bad(field, "must be an object");
  const sc = f["status_code_filter"];
  if (isObj(sc)) {
    const cmp = isObj(sc["comparison"]) ? sc["comparison"] : {};
    const op = CMP[String(cmp["op"] ?? "EQ")];
    const v = isObj(cmp["value"]) ? Number(cmp["value"]["default_value"] ?? 0) : 0;
    if (op === undefined) throw bad(`${field}.status_code_filter.comparison.op`, `unsupported ${JSON.stringify(cmp["op"])}`);
    return (e) => op(e.record.status, v);
  }
  const rf = f["response_flag_filter"];
  if (isObj(rf)) {
    const flags = Array.isArray(rf["flags"]) ? rf["flags"].map(String) : [];
    return flags.length === 0 ? (e) => e.record.flags.length > 0 : (e) => e.record.flags.some((x) => flags.includes(x));
  }
  for (const k of ["and_filter", "or_filter"] as const) {
    const g = f[k];
    if (isObj(g)) {
      const list = (Array.isArray(g["filters"]) ? g["filters"] : []).map((x, i) => compileAccessLogFilter(x, `${field}.${k}.filters[${i}]`));
      return k === "and_filter" ? (e) => list.every((p) => p(e)) : (e) => list.some((p) => p(e));
    }
  }
  const ext = f["extension_filter"];
  if (isObj(ext)) {
    const tc = isObj(ext["typed_config"]) ? ext["typed_config"] : {};
    if (tc["@type"] !== CEL_FILTER_TYPE) throw bad(`${field}.extension_filter.typed_config`, `unsupported filter ${JSON.stringify(tc["@type"])}`);
    return compileCelFilter(String(tc["expression"] ?? ""), `${field}.extension_filter.typed_config.expression`);
  }
  throw bad(field, "unsupported access log filter");
}

/** Compiles an access_log list (HCM or listener); throws MizzenError naming the bad field. */
export function compileHttpAccessLogs(list: unknown, field = "access_log"): HttpAccessLogger[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw bad(field, "must be a list");
  return list.map((l: unknown, i) => {
    const f = `${field}[${i}]`;
    if (!isObj(l)) throw bad(f, "must be an object");
    const tc = l["typed_config"];
    if (!isObj(tc)) throw bad(`${f}.typed_config`, "is required");
    const t = tc["@type"];
    let path: string;
    if (t === FILE_ACCESS_LOG_TYPE) path = typeof tc["path"] === "string" && tc["path"] !== "" ? tc["path"] : "/dev/stdout";
    else if (t === STDOUT_ACCESS_LOG_TYPE) path = "/dev/stdout";
    else if (t === STDERR_ACCESS_LOG_TYPE) path = "/dev/stderr";
    else throw bad(`${f}.typed_config.@type`, `unsupported access logger ${JSON.stringify(t)}`);
    const format = compileFormat(tc, `${f}.typed_config`);
    const filter = l["filter"] === undefined ? null : compileAccessLogFilter(l["filter"], `${f}.filter`);
    const write = writerFor(path);
    return {
      log(e: AccessLogEntry): void {
        if (filter !== null && !filter(e)) return;
        write(format(e));
      },
    };
  });
}
