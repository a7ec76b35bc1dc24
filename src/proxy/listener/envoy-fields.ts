// Readers for Envoy JSON fields that throw MizzenError (MIZZEN_ERR_XDS_INVALID) naming the field.
// Used by every compile step of part B so the hot path never sees Envoy JSON.
import type { EnvoyJson } from "../contracts.js";
import { durationMs, invalid, isObject } from "../envoy-json-core.js";

export { XDS_INVALID, invalid, isObject } from "../envoy-json-core.js";

export function optObject(o: EnvoyJson, key: string, field: string): EnvoyJson | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw invalid(`${field}.${key}`, "must be an object");
  return v;
}

export function reqObject(o: EnvoyJson, key: string, field: string): EnvoyJson {
  const v = optObject(o, key, field);
  if (v === undefined) throw invalid(`${field}.${key}`, "is required");
  return v;
}

export function optArray(o: EnvoyJson, key: string, field: string): unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`${field}.${key}`, "must be a list");
  return v;
}

export function optObjects(o: EnvoyJson, key: string, field: string): EnvoyJson[] {
  return optArray(o, key, field).map((v, i) => {
    if (!isObject(v)) throw invalid(`${field}.${key}[${i}]`, "must be an object");
    return v;
  });
}

export function optString(o: EnvoyJson, key: string, field: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalid(`${field}.${key}`, "must be a string");
  return v;
}

export function reqString(o: EnvoyJson, key: string, field: string): string {
  const v = optString(o, key, field);
  if (v === undefined || v === "") throw invalid(`${field}.${key}`, "is required");
  return v;
}

export function optStrings(o: EnvoyJson, key: string, field: string): string[] {
  return optArray(o, key, field).map((v, i) => {
    if (typeof v !== "string") throw invalid(`${field}.${key}[${i}]`, "must be a string");
    return v;
  });
}

/** Integers may arrive as number or string (64-bit), wrappers as bare values. */
export function optInt(o: EnvoyJson, key: string, field: string): number | undefined {
  let v = o[key];
  if (v === undefined || v === null) return undefined;
  if (isObject(v) && "value" in v) v = v.value;
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n)) throw invalid(`${field}.${key}`, "must be an integer");
  return n;
}

export function optBool(o: EnvoyJson, key: string, field: string): boolean | undefined {
  let v = o[key];
  if (v === undefined || v === null) return undefined;
  if (isObject(v) && "value" in v) v = v.value;
  if (typeof v !== "boolean") throw invalid(`${field}.${key}`, "must be a boolean");
  return v;
}

/** A Duration field of `o` in ms (envoy-json-core.ts `durationMs`); undefined when absent. */
export function optDurationMs(o: EnvoyJson, key: string, field: string): number | undefined {
  return durationMs(o[key], `${field}.${key}`);
}

/** The "@type" of an Any, without checking the rest. */
export function typeUrlOf(o: EnvoyJson, field: string): string {
  const t = o["@type"];
  if (typeof t !== "string" || t === "") throw invalid(`${field}.@type`, "is required");
  return t;
}

export function oneOfEnum<T extends string>(v: string | undefined, allowed: readonly T[], dflt: T, field: string): T {
  if (v === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(v)) throw invalid(field, `"${v}" is not one of ${allowed.join(", ")}`);
  return v as T;
}
