// Readers for Envoy JSON fields (snake_case, Durations as "1.5s", wrappers as bare values).
// Used only at config-compile time; each throws MizzenError naming the offending field.
import { invalid, isObject } from "../envoy-json-core.js";

export { XDS_INVALID, invalid, isObject, durationMs } from "../envoy-json-core.js";

export type Json = Record<string, unknown>;

export function obj(v: unknown, field: string): Json | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw invalid(field, "must be an object");
  return v;
}

export function arr(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(field, "must be a list");
  return v;
}

export function str(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalid(field, "must be a string");
  return v;
}

export function bool(v: unknown, field: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "object" && v !== null && "value" in v) return bool((v as Json)["value"], field);
  if (typeof v !== "boolean") throw invalid(field, "must be a boolean");
  return v;
}

/** Integers arrive as numbers or (64-bit) strings; wrappers as bare values or { value }. */
export function int(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "object" && "value" in v) return int((v as Json)["value"], field);
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n)) throw invalid(field, "must be an integer");
  return n;
}

export function num(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "object" && "value" in v) return num((v as Json)["value"], field);
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n)) throw invalid(field, "must be a number");
  return n;
}

/** A Duration ("1.5s", "0.250s", or { seconds, nanos }) in milliseconds. */
/** A FractionalPercent ({ numerator, denominator: HUNDRED|TEN_THOUSAND|MILLION }) as a fraction 0..1. */
export function fractionalPercent(v: unknown, field: string): number | undefined {
  const p = fractionalParts(v, field);
  return p === undefined ? undefined : Math.min(1, p.numerator / p.denominator);
}

/** A type.v3.FractionalPercent's numerator and denominator (100, 10,000 or 1,000,000). */
export function fractionalParts(v: unknown, field: string): { numerator: number; denominator: number } | undefined {
  const o = obj(v, field);
  if (!o) return undefined;
  const n = int(o["numerator"], `${field}.numerator`) ?? 0;
  const d = o["denominator"] ?? "HUNDRED";
  const den = d === "HUNDRED" || d === 0 ? 100 : d === "TEN_THOUSAND" || d === 1 ? 10_000 : d === "MILLION" || d === 2 ? 1_000_000 : 0;
  if (den === 0) throw invalid(`${field}.denominator`, `unknown denominator ${JSON.stringify(d)}`);
  if (n < 0) throw invalid(`${field}.numerator`, "must not be negative");
  return { numerator: n, denominator: den };
}

/** A type.v3.Percent ({ value: 0..100 }) as a fraction 0..1. */
export function percent(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = isObject(v) ? num(v["value"], `${field}.value`) ?? 0 : num(v, field) ?? 0;
  if (n < 0 || n > 100) throw invalid(field, "percent must be 0..100");
  return n / 100;
}
