// Envoy DataSource (inline_string / inline_bytes / filename) and StringMatcher, compiled once.
import { readFileSync } from "node:fs";
import type { EnvoyJson } from "../contracts.js";
import { invalid, isObject, optBool, optString } from "../listener/envoy-fields.js";

export function readDataSource(ds: unknown, field: string): string {
  if (!isObject(ds)) throw invalid(field, "must be a DataSource object");
  const inline = optString(ds, "inline_string", field);
  if (inline !== undefined) return inline;
  const bytes = optString(ds, "inline_bytes", field);
  if (bytes !== undefined) return Buffer.from(bytes, "base64").toString("utf8");
  const file = optString(ds, "filename", field);
  if (file !== undefined) {
    try {
      return readFileSync(file, "utf8");
    } catch (e) {
      throw invalid(`${field}.filename`, `cannot read "${file}": ${(e as NodeJS.ErrnoException).code ?? "error"}`);
    }
  }
  throw invalid(field, "needs one of inline_string, inline_bytes, filename");
}

export type StringMatch = (s: string) => boolean;

/** envoy.type.matcher.v3.StringMatcher. */
export function compileStringMatcher(m: EnvoyJson, field: string): StringMatch {
  const ignoreCase = optBool(m, "ignore_case", field) ?? false;
  const norm = (s: string): string => (ignoreCase ? s.toLowerCase() : s);
  const exact = optString(m, "exact", field);
  if (exact !== undefined) { const e = norm(exact); return (s) => norm(s) === e; }
  const prefix = optString(m, "prefix", field);
  if (prefix !== undefined) { const p = norm(prefix); return (s) => norm(s).startsWith(p); }
  const suffix = optString(m, "suffix", field);
  if (suffix !== undefined) { const p = norm(suffix); return (s) => norm(s).endsWith(p); }
  const contains = optString(m, "contains", field);
  if (contains !== undefined) { const p = norm(contains); return (s) => norm(s).includes(p); }
  const re = m.safe_regex;
  if (isObject(re)) {
    const src = optString(re, "regex", `${field}.safe_regex`) ?? "";
    let rx: RegExp;
    try {
      rx = new RegExp(`^(?:${src})$`, ignoreCase ? "i" : "");
    } catch {
      throw invalid(`${field}.safe_regex.regex`, `"${src}" is not a valid regex`);
    }
    return (s) => rx.test(s);
  }
  throw invalid(field, "needs one of exact, prefix, suffix, contains, safe_regex");
}
