// "Envoy JSON" (as a user writes a bootstrap or the control plane builds a resource) → protobuf
// message. Accepts snake_case and lowerCamelCase names as Envoy does; every problem names its path.
import protobuf from "protobufjs";
import { MizzenError } from "../../errors.js";
import { envoyType, findEnvoyType } from "./protos.js";
import { formatProblem, type FieldPath, type FieldProblem } from "./problems.js";
import { typeNameOfUrl } from "./type-urls.js";
import { validateEnvoyMessage } from "./validate.js";
import { WRAPPER_TYPES, durationFromJson, int64FromText, timestampFromJson } from "./well-known.js";

/** Converts without throwing: the message when there were no problems, and every problem found. */
export function decodeEnvoyJson(typeName: string, json: unknown, options?: { validate?: boolean }): { message?: protobuf.Message; problems: FieldProblem[] } {
  const type = envoyType(typeName);
  const problems: FieldProblem[] = [];
  const obj = messageFromJson(type, json, [], problems);
  if (obj === undefined) return { problems };
  // Validate even when some fields did not convert, so one run reports every problem; rules on a
  // field that already failed to convert would only repeat that failure, so they are dropped.
  const message = type.create(obj as Record<string, unknown>);
  if (options?.validate !== false) {
    const failed = problems.map((p) => p.path);
    const rules = validateEnvoyMessage(type, message).filter((v) => !failed.some((f) => startsWith(v.path, f)));
    problems.push(...rules);
  }
  return problems.length > 0 ? { problems } : { message, problems };
}

function startsWith(path: FieldPath, prefix: FieldPath): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => path[i] === seg);
}

/** Converts and validates (protoc-gen-validate rules); throws MizzenError MIZZEN_ERR_XDS_INVALID listing every problem. */
export function fromEnvoyJson(typeName: string, json: unknown, options?: { validate?: boolean }): protobuf.Message {
  const { message, problems } = decodeEnvoyJson(typeName, json, options);
  if (!message) {
    const details = problems.map(formatProblem);
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : "";
    throw new MizzenError("MIZZEN_ERR_XDS_INVALID", `invalid ${typeName}: ${details[0] ?? "unknown problem"}${more}`, { details });
  }
  return message;
}

/** Envoy JSON → wire bytes of the named type (validated). */
export function encodeEnvoyJson(typeName: string, json: unknown): Uint8Array {
  return envoyType(typeName).encode(fromEnvoyJson(typeName, json)).finish();
}

function camel(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

const fieldIndexCache = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

function fieldIndex(type: protobuf.Type): Map<string, protobuf.Field> {
  let idx = fieldIndexCache.get(type);
  if (!idx) {
    idx = new Map();
    for (const f of type.fieldsArray) {
      idx.set(f.name, f);
      idx.set(camel(f.name), f);
    }
    fieldIndexCache.set(type, idx);
  }
  return idx;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`;
}

function messageFromJson(type: protobuf.Type, json: unknown, path: FieldPath, problems: FieldProblem[]): unknown {
  const full = type.fullName.slice(1);
  const special = wellKnownFromJson(full, type, json, path, problems);
  if (special.handled) return special.value;
  if (!isPlainObject(json)) {
    problems.push({ path, message: `expected an object (${full}), got ${describe(json)}` });
    return undefined;
  }
  const idx = fieldIndex(type);
  const out: Record<string, unknown> = {};
  const oneofSeen = new Map<string, string>();
  for (const [key, value] of Object.entries(json)) {
    const field = idx.get(key);
    const p = [...path, key];
    if (!field) {
      problems.push({ path: p, message: `unknown field "${key}" in ${full}` });
      continue;
    }
    if (value === null && field.resolvedType?.fullName !== ".google.protobuf.Value") continue;
    if (field.partOf) {
      const prev = oneofSeen.get(field.partOf.name);
      if (prev !== undefined && prev !== field.name) {
        problems.push({ path: p, message: `only one of ${field.partOf.oneof.join(", ")} may be set (also got ${prev})` });
        continue;
      }
      oneofSeen.set(field.partOf.name, field.name);
    }
    if (field.name in out) {
      problems.push({ path: p, message: `field ${field.name} given twice (snake_case and camelCase)` });
      continue;
    }
    const converted = fieldFromJson(field, value, p, problems);
    if (converted !== undefined) out[field.name] = converted;
  }
  return type.create(out);
}

function fieldFromJson(field: protobuf.Field, value: unknown, path: FieldPath, problems: FieldProblem[]): unknown {
  if (field.map) {
    if (!isPlainObject(value)) {
      problems.push({ path, message: `expected a map (object), got ${describe(value)}` });
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const c = singleFromJson(field, v, [...path, k], problems);
      if (c !== undefined) out[k] = c;
    }
    return out;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) {
      problems.push({ path, message: `expected a list, got ${describe(value)}` });
      return undefined;
    }
    return value.map((v, i) => singleFromJson(field, v, [...path, i], problems));
  }
  return singleFromJson(field, value, path, problems);
}

function singleFromJson(field: protobuf.Field, value: unknown, path: FieldPath, problems: FieldProblem[]): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return messageFromJson(rt, value, path, problems);
  if (rt instanceof protobuf.Enum) return enumFromJson(rt, value, path, problems);
  return scalarFromJson(field.type, value, path, problems);
}

function enumFromJson(e: protobuf.Enum, value: unknown, path: FieldPath, problems: FieldProblem[]): number | undefined {
  if (typeof value === "string" && value in e.values) return e.values[value];
  if (typeof value === "number" && Number.isInteger(value)) return value;
  problems.push({ path, message: `invalid value ${JSON.stringify(value)} for enum ${e.name} (one of ${Object.keys(e.values).join(", ")})` });
  return undefined;
}

const INT32_RANGE: Record<string, [number, number]> = {
  int32: [-2147483648, 2147483647], sint32: [-2147483648, 2147483647], sfixed32: [-2147483648, 2147483647],
  uint32: [0, 4294967295], fixed32: [0, 4294967295],
};

export function scalarFromJson(kind: string, value: unknown, path: FieldPath, problems: FieldProblem[]): unknown {
  const bad = (what: string): undefined => {
    problems.push({ path, message: `expected ${what}, got ${describe(value)}` });
    return undefined;
  };
  switch (kind) {
    case "string":
      return typeof value === "string" ? value : bad("a string");
    case "bool":
      return typeof value === "boolean" ? value : bad("a boolean");
    case "bytes":
      return typeof value === "string" && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value) ? Buffer.from(value, "base64") : bad("base64 bytes");
    case "double": case "float": {
      if (typeof value === "number") return value;
      if (value === "NaN" || value === "Infinity" || value === "-Infinity") return Number(value);
      if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
      return bad("a number");
    }
    case "int64": case "uint64": case "sint64": case "fixed64": case "sfixed64": {
      const text = typeof value === "number" ? (Number.isInteger(value) ? String(value) : "") : typeof value === "string" ? value.trim() : "";
      if (!/^-?\d+$/.test(text)) return bad("an integer");
      if (kind.startsWith("u") || kind === "fixed64") {
        if (text.startsWith("-")) return bad("a non-negative integer");
      }
      return int64FromText(text, kind === "uint64" || kind === "fixed64");
    }
    default: {
      const range = INT32_RANGE[kind];
      if (!range) return bad(`a ${kind}`);
      const n = typeof value === "number" ? value : typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
      if (!Number.isInteger(n)) return bad("an integer");
      if (n < range[0] || n > range[1]) return bad(`an integer in [${range[0]}, ${range[1]}]`);
      return n;
    }
  }
}

type Special = { handled: false } | { handled: true; value: unknown };

function wellKnownFromJson(full: string, type: protobuf.Type, json: unknown, path: FieldPath, problems: FieldProblem[]): Special {
  const done = (value: unknown): Special => ({ handled: true, value });
  const bad = (what: string): Special => {
    problems.push({ path, message: `expected ${what}, got ${describe(json)}` });
    return { handled: true, value: undefined };
  };
  switch (full) {
    case "google.protobuf.Duration": {
      const d = typeof json === "string" ? durationFromJson(json) : undefined;
      return d ? done(type.create(d)) : bad(`a duration like "1.5s"`);
    }
    case "google.protobuf.Timestamp": {
      const t = typeof json === "string" ? timestampFromJson(json) : undefined;
      return t ? done(type.create(t)) : bad("an RFC 3339 timestamp");
    }
    case "google.protobuf.Any": return done(anyFromJson(type, json, path, problems));
    case "google.protobuf.Struct":
      return isPlainObject(json) ? done(type.create(structFields(json))) : bad("an object");
    case "google.protobuf.Value": return done(valueFromJson(json));
    case "google.protobuf.ListValue":
      return Array.isArray(json) ? done({ values: json.map(valueFromJson) }) : bad("a list");
    case "google.protobuf.Empty":
      return isPlainObject(json) ? done(type.create({})) : bad("an empty object");
    case "google.protobuf.FieldMask":
      return typeof json === "string" ? done(type.create({ paths: json.split(",").filter((s) => s !== "") })) : bad("a comma-separated string");
  }
  if (WRAPPER_TYPES.has(full)) {
    const f = type.fields.value;
    if (!f) return bad("a value");
    const v = scalarFromJson(f.type, json, path, problems);
    return done(v === undefined ? undefined : type.create({ value: v }));
  }
  return { handled: false };
}

function structFields(json: Record<string, unknown>): { fields: Record<string, unknown> } {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) fields[k] = valueFromJson(v);
  return { fields };
}

// protobufjs's built-in google.protobuf.Value uses camelCase field names even under keepCase.
function valueFromJson(v: unknown): Record<string, unknown> {
  if (v === null || v === undefined) return { nullValue: 0 };
  if (typeof v === "number") return { numberValue: v };
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(valueFromJson) } };
  return { structValue: structFields(v as Record<string, unknown>) };
}

function anyFromJson(anyType: protobuf.Type, json: unknown, path: FieldPath, problems: FieldProblem[]): unknown {
  if (!isPlainObject(json) || typeof json["@type"] !== "string") {
    problems.push({ path, message: `expected an object with "@type", got ${describe(json)}` });
    return undefined;
  }
  const typeUrl = json["@type"];
  const inner = findEnvoyType(typeNameOfUrl(typeUrl));
  if (!inner) {
    problems.push({ path: [...path, "@type"], message: `unknown type URL "${typeUrl}"` });
    return undefined;
  }
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) if (k !== "@type") rest[k] = v;
  const full = inner.fullName.slice(1);
  const hasSpecialJson = WRAPPER_TYPES.has(full) || ["google.protobuf.Duration", "google.protobuf.Timestamp", "google.protobuf.Value", "google.protobuf.FieldMask", "google.protobuf.ListValue", "google.protobuf.Struct"].includes(full);
  const body = hasSpecialJson ? rest.value : rest;
  const before = problems.length;
  const obj = messageFromJson(inner, body, path, problems);
  if (problems.length > before || obj === undefined) return undefined;
  const msg = inner.create(obj as Record<string, unknown>);
  return anyType.create({ type_url: typeUrl, value: inner.encode(msg).finish() });
}
