// Readers for Envoy JSON fields (snake_case, Durations as "1.5s", wrappers as bare values, 64-bit
// ints as number or string). Each throws MizzenError MIZZEN_ERR_XDS_INVALID naming the field.
import type { EnvoyJson } from "../contracts.js";
import { durationMs, invalid, isObject } from "../envoy-json-core.js";

export { XDS_INVALID, invalid, isObject } from "../envoy-json-core.js";

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

/** A Duration field of `obj` in ms (envoy-json-core.ts `durationMs`); undefined when absent. */
export function readDurationMs(obj: EnvoyJson, key: string, path: string): number | undefined {
  return durationMs(obj[key], `${path}.${key}`);
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
