// protoc-gen-validate checks driven by the `(validate.rules)` options in Envoy's own protos, so an
// invalid resource is rejected with "field path: rule" as Envoy rejects it.
import protobuf from "protobufjs";
import { findEnvoyType } from "./protos.js";
import type { FieldPath, FieldProblem } from "./problems.js";
import { typeNameOfUrl } from "./type-urls.js";
import { checkDuration, checkNumber, checkString, fieldRules, oneofRequired, type Rules } from "./validate-rules.js";
import { WRAPPER_TYPES, int64ToNumber, secondsNanosOf } from "./well-known.js";

const MAX_DEPTH = 64;

/** Every rule violation in a message (decoded or built) of the given type; Any payloads are checked too. */
export function validateEnvoyMessage(type: protobuf.Type, message: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  walkMessage(type, message, [], problems, 0);
  return problems;
}

function has(m: object, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(m, name) && (m as Record<string, unknown>)[name] !== null && (m as Record<string, unknown>)[name] !== undefined;
}

const NUMERIC_KINDS: Record<string, string> = {
  int32: "int32", uint32: "uint32", sint32: "sint32", fixed32: "fixed32", sfixed32: "sfixed32",
  int64: "int64", uint64: "uint64", sint64: "sint64", fixed64: "fixed64", sfixed64: "sfixed64",
  double: "double", float: "float",
};

function walkMessage(type: protobuf.Type, message: unknown, path: FieldPath, problems: FieldProblem[], depth: number): void {
  if (depth > MAX_DEPTH || message === null || typeof message !== "object") return;
  const full = type.fullName.slice(1);
  if (full === "google.protobuf.Any") {
    const m = message as { type_url?: string; value?: Uint8Array };
    const inner = m.type_url ? findEnvoyType(typeNameOfUrl(m.type_url)) : undefined;
    if (inner && m.value) {
      let decoded: protobuf.Message | undefined;
      try { decoded = inner.decode(m.value); } catch (e) {
        problems.push({ path, message: `cannot decode ${m.type_url}: ${(e as Error).message}` });
      }
      if (decoded) walkMessage(inner, decoded, path, problems, depth + 1);
    }
    return;
  }
  if (full.startsWith("google.protobuf.")) return;
  const m = message as Record<string, unknown>;
  for (const oneof of type.oneofsArray) {
    if (oneof.name.startsWith("_") || !oneofRequired(oneof)) continue;
    if (!oneof.fieldsArray.some((f) => has(m, f.name))) problems.push({ path: [...path, oneof.name], message: `value is required (one of ${oneof.oneof.join(", ")})` });
  }
  for (const field of type.fieldsArray) {
    const present = has(m, field.name);
    if (field.partOf && !present) continue;
    const rules = fieldRules(field);
    const p = [...path, field.name];
    const value = present ? m[field.name] : undefined;
    if (field.map) {
      checkMap(field, rules, (value ?? {}) as Record<string, unknown>, p, problems, depth);
    } else if (field.repeated) {
      checkRepeated(field, rules, (value ?? []) as unknown[], p, problems, depth);
    } else {
      checkSingle(field, rules, value, present, p, problems, depth);
    }
  }
}

function checkRepeated(field: protobuf.Field, rules: Rules | null, arr: unknown[], path: FieldPath, problems: FieldProblem[], depth: number): void {
  const r = (rules?.repeated ?? {}) as Rules;
  if (!(r.ignore_empty === true && arr.length === 0)) {
    if (r.min_items !== undefined && arr.length < int64ToNumber(r.min_items)) problems.push({ path, message: `value must contain at least ${int64ToNumber(r.min_items)} item(s)` });
    if (r.max_items !== undefined && arr.length > int64ToNumber(r.max_items)) problems.push({ path, message: `value must contain no more than ${int64ToNumber(r.max_items)} item(s)` });
    if (r.unique === true && field.resolvedType === null) {
      const seen = new Set<string>();
      arr.forEach((v, i) => {
        const k = String(v);
        if (seen.has(k)) problems.push({ path: [...path, i], message: "repeated value must contain unique items" });
        seen.add(k);
      });
    }
  }
  const itemRules = (r.items ?? null) as Rules | null;
  arr.forEach((v, i) => checkSingle(field, itemRules, v, true, [...path, i], problems, depth));
}

function checkMap(field: protobuf.Field, rules: Rules | null, obj: Record<string, unknown>, path: FieldPath, problems: FieldProblem[], depth: number): void {
  const r = (rules?.map ?? {}) as Rules;
  const n = Object.keys(obj).length;
  if (!(r.ignore_empty === true && n === 0)) {
    if (r.min_pairs !== undefined && n < int64ToNumber(r.min_pairs)) problems.push({ path, message: `value must contain at least ${int64ToNumber(r.min_pairs)} pair(s)` });
    if (r.max_pairs !== undefined && n > int64ToNumber(r.max_pairs)) problems.push({ path, message: `value must contain no more than ${int64ToNumber(r.max_pairs)} pair(s)` });
  }
  const keyRules = (r.keys ?? null) as Rules | null;
  const valueRules = (r.values ?? null) as Rules | null;
  for (const [k, v] of Object.entries(obj)) {
    const keyString = (keyRules?.string ?? null) as Rules | null;
    if (keyString) {
      const err = checkString(keyString, k);
      if (err) problems.push({ path: [...path, k], message: `key ${err}` });
    }
    checkSingle(field, valueRules, v, true, [...path, k], problems, depth);
  }
}

function checkSingle(field: protobuf.Field, rules: Rules | null, value: unknown, present: boolean, path: FieldPath, problems: FieldProblem[], depth: number): void {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) {
    const full = rt.fullName.slice(1);
    const msgRules = (rules?.message ?? {}) as Rules;
    if (!present) {
      const durationRequired = (rules?.duration as Rules | undefined)?.required === true;
      const anyRequired = (rules?.any as Rules | undefined)?.required === true;
      if (msgRules.required === true || durationRequired || anyRequired) problems.push({ path, message: "value is required" });
      return;
    }
    if (rules) {
      const err = checkWellKnown(full, rules, value);
      if (err) problems.push({ path, message: err });
    }
    if (msgRules.skip !== true) walkMessage(rt, value, path, problems, depth + 1);
    return;
  }
  if (!rules) return;
  if (rt instanceof protobuf.Enum) {
    const r = (rules.enum ?? {}) as Rules;
    const v = Number(value ?? 0);
    if (r.defined_only === true && rt.valuesById[v] === undefined) problems.push({ path, message: "value must be one of the defined enum values" });
    const err = checkNumber({ const: r.const, in: r.in, not_in: r.not_in }, v);
    if (err) problems.push({ path, message: err });
    return;
  }
  const err = checkScalar(field.type, rules, value);
  if (err) problems.push({ path, message: err });
}

function checkScalar(kind: string, rules: Rules, value: unknown): string | undefined {
  if (kind === "string") {
    const r = rules.string as Rules | undefined;
    const s = typeof value === "string" ? value : "";
    return r && !(r.ignore_empty === true && s === "") ? checkString(r, s) : undefined;
  }
  if (kind === "bytes") {
    const r = rules.bytes as Rules | undefined;
    const len = value instanceof Uint8Array ? value.length : 0;
    if (!r || (r.ignore_empty === true && len === 0)) return undefined;
    if (r.min_len !== undefined && len < int64ToNumber(r.min_len)) return `value length must be at least ${int64ToNumber(r.min_len)} bytes`;
    if (r.max_len !== undefined && len > int64ToNumber(r.max_len)) return `value length must be at most ${int64ToNumber(r.max_len)} bytes`;
    return undefined;
  }
  const numericKind = NUMERIC_KINDS[kind];
  if (numericKind) {
    const r = rules[numericKind] as Rules | undefined;
    const n = value === undefined ? 0 : int64ToNumber(value);
    return r && !(r.ignore_empty === true && n === 0) ? checkNumber(r, n) : undefined;
  }
  if (kind === "bool") {
    const r = rules.bool as Rules | undefined;
    if (r?.const !== undefined && Boolean(value) !== r.const) return `value must equal ${String(r.const)}`;
  }
  return undefined;
}

/** Rules on Duration, Any and wrapper fields (wrappers take the scalar rules of their value). */
function checkWellKnown(full: string, rules: Rules, value: unknown): string | undefined {
  if (full === "google.protobuf.Duration" && rules.duration) return checkDuration(rules.duration as Rules, secondsNanosOf(value));
  if (full === "google.protobuf.Any" && rules.any) {
    const r = rules.any as Rules;
    const url = String((value as { type_url?: string }).type_url ?? "");
    if (Array.isArray(r.in) && r.in.length > 0 && !r.in.includes(url)) return `type URL must be in list [${r.in.join(", ")}]`;
    if (Array.isArray(r.not_in) && r.not_in.includes(url)) return `type URL must not be in list [${r.not_in.join(", ")}]`;
    return undefined;
  }
  if (WRAPPER_TYPES.has(full)) {
    const inner = (value as { value?: unknown }).value;
    const kind = full.slice("google.protobuf.".length, -"Value".length).toLowerCase();
    return checkScalar(kind, rules, inner);
  }
  return undefined;
}
