// Readers for Envoy JSON fields (snake_case, Durations as "1.5s", wrappers as bare values, 64-bit
// ints as number or string). Each throws MizzenError MIZZEN_ERR_XDS_INVALID naming the field.
import { MizzenError } from "../../errors.js";
import type { EnvoyJson } from "../contracts.js";
import { timerMs } from "../timer-limit.js";

export const XDS_INVALID = "MIZZEN_ERR_XDS_INVALID";

export function invalid(field: string, why: string): MizzenError {
  return new MizzenError(XDS_INVALID, `${field}: ${why}`);
}

export function isObject(v: unknown): v is EnvoyJson {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function readObject(obj: EnvoyJson, key: string, path: string): EnvoyJson | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw invalid(`${path}.${key}`, "must be an object");
  return v;
}

export function readArray(obj: EnvoyJson, key: string, path: string): unknown[] {
  const v = obj[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`${path}.${key}`, "must be a list");
  return v;
}

export function readString(obj: EnvoyJson, key: string, path: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalid(`${path}.${key}`, "must be a string");
  return v;
}

export function readBool(obj: EnvoyJson, key: string, path: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw invalid(`${path}.${key}`, "must be a boolean");
  return v;
}

/** A non-negative integer (uint32/uint64 wrapper or bare), given as number or decimal string. */
export function readUint(obj: EnvoyJson, key: string, path: string): number | undefined {
  let v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (isObject(v) && "value" in v) v = v["value"];
  const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw invalid(`${path}.${key}`, "must be a non-negative integer");
  }
  return n;
}

/** A number such as a Percent's value or a double; accepts { value } too. */
export function readNumber(obj: EnvoyJson, key: string, path: string): number | undefined {
  let v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (isObject(v) && "value" in v) v = v["value"];
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n)) throw invalid(`${path}.${key}`, "must be a number");
  return n;
}

/** A Duration ("1.5s", "100ms" tolerated, or { seconds, nanos }) in milliseconds. */
export function readDurationMs(obj: EnvoyJson, key: string, path: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  const field = `${path}.${key}`;
  if (typeof v === "string") {
    const m = /^(\d+(?:\.\d+)?)(s|ms)$/.exec(v.trim());
    if (!m || m[1] === undefined) throw invalid(field, `bad duration "${v}"`);
    const n = Number(m[1]);
    return timerMs(m[2] === "ms" ? n : n * 1000);
  }
  if (isObject(v)) {
    const s = readUint(v, "seconds", field) ?? 0;
    const nanos = readUint(v, "nanos", field) ?? 0;
    return timerMs(s * 1000 + nanos / 1e6);
  }
  throw invalid(field, "must be a duration like \"1.5s\"");
}

/** An enum given by name; numbers are mapped by position in `names`. */
export function readEnum<T extends string>(
  obj: EnvoyJson, key: string, path: string, names: readonly T[],
): T | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v < names.length) return names[v];
  if (typeof v === "string" && (names as readonly string[]).includes(v)) return v as T;
  throw invalid(`${path}.${key}`, `must be one of ${names.join(", ")}`);
}
