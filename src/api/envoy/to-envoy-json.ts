// Protobuf message → "Envoy JSON": Envoy's own JSON form (snake_case names, Durations "1.5s",
// wrappers bare, enums by name, Any unpacked as { "@type", …fields }), as in Envoy's docs and /config_dump.
import protobuf from "protobufjs";
import type { EnvoyJson } from "../../proxy/contracts.js";
import { findEnvoyType, envoyType } from "./protos.js";
import { typeNameOfUrl } from "./type-urls.js";
import { WRAPPER_TYPES, durationToJson, int64ToJson, timestampToJson } from "./well-known.js";

export interface ToEnvoyJsonOptions {
  /** Called for each Any whose type is not loaded; the Any is kept as { "@type", value: base64 }. */
  onUnknownType?: (path: string, typeUrl: string) => void;
}

/** Decodes (when given bytes) and converts a message of the named type to Envoy JSON. */
export function toEnvoyJson(typeName: string, message: protobuf.Message | Uint8Array, options?: ToEnvoyJsonOptions): EnvoyJson {
  const type = envoyType(typeName);
  const msg = message instanceof Uint8Array ? type.decode(message) : message;
  const out = messageToJson(type, msg, "", options ?? {});
  return (out !== null && typeof out === "object" && !Array.isArray(out) ? out : { value: out }) as EnvoyJson;
}

/** Converts an encoded google.protobuf.Any (type URL + bytes) to Envoy JSON with its "@type". */
export function anyToEnvoyJson(typeUrl: string, value: Uint8Array, options?: ToEnvoyJsonOptions): EnvoyJson {
  return anyToJson({ type_url: typeUrl, value }, "", options ?? {}) as EnvoyJson;
}

function has(msg: object, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(msg, name);
}

function messageToJson(type: protobuf.Type, msg: unknown, path: string, opts: ToEnvoyJsonOptions): unknown {
  const full = type.fullName.slice(1);
  const m = (msg ?? {}) as Record<string, unknown>;
  switch (full) {
    case "google.protobuf.Duration": return durationToJson(m);
    case "google.protobuf.Timestamp": return timestampToJson(m);
    case "google.protobuf.Any": return anyToJson(m, path, opts);
    case "google.protobuf.Struct": return structToJson(m);
    case "google.protobuf.Value": return valueToJson(m);
    case "google.protobuf.ListValue": return listToJson(m);
    case "google.protobuf.Empty": return {};
    case "google.protobuf.FieldMask": return ((m.paths as string[] | undefined) ?? []).join(",");
  }
  if (WRAPPER_TYPES.has(full)) {
    const f = type.fields.value;
    return f ? scalarToJson(f, m.value) : null;
  }
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    if (!has(m, field.name)) continue;
    const v = m[field.name];
    if (v === null || v === undefined) continue;
    const p = path ? `${path}.${field.name}` : field.name;
    if (field.map) {
      const obj: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) obj[k] = fieldValueToJson(field, item, `${p}.${k}`, opts);
      if (Object.keys(obj).length > 0) out[field.name] = obj;
    } else if (field.repeated) {
      const arr = v as unknown[];
      if (arr.length > 0) out[field.name] = arr.map((item, i) => fieldValueToJson(field, item, `${p}[${i}]`, opts));
    } else {
      out[field.name] = fieldValueToJson(field, v, p, opts);
    }
  }
  return out;
}

function fieldValueToJson(field: protobuf.Field, v: unknown, path: string, opts: ToEnvoyJsonOptions): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return messageToJson(rt, v, path, opts);
  if (rt instanceof protobuf.Enum) return rt.valuesById[v as number] ?? v;
  return scalarToJson(field, v);
}

function scalarToJson(field: protobuf.Field, v: unknown): unknown {
  switch (field.type) {
    case "int64": case "uint64": case "sint64": case "fixed64": case "sfixed64":
      return int64ToJson(v);
    case "bytes":
      return Buffer.from(v as Uint8Array).toString("base64");
    case "double": case "float": {
      const n = v as number;
      if (Number.isNaN(n)) return "NaN";
      if (n === Infinity) return "Infinity";
      if (n === -Infinity) return "-Infinity";
      return n;
    }
    default:
      return v;
  }
}

function anyToJson(m: Record<string, unknown>, path: string, opts: ToEnvoyJsonOptions): unknown {
  const typeUrl = String(m.type_url ?? "");
  const value = (m.value as Uint8Array | undefined) ?? new Uint8Array();
  const inner = findEnvoyType(typeNameOfUrl(typeUrl));
  if (!inner) {
    opts.onUnknownType?.(path, typeUrl);
    return { "@type": typeUrl, value: Buffer.from(value).toString("base64") };
  }
  const decoded = messageToJson(inner, inner.decode(value), path, opts);
  if (decoded !== null && typeof decoded === "object" && !Array.isArray(decoded)) {
    return { "@type": typeUrl, ...(decoded as Record<string, unknown>) };
  }
  // Well-known types with a non-object JSON form (Duration, wrappers, Value) nest under "value".
  return { "@type": typeUrl, value: decoded };
}

function structToJson(m: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries((m.fields as Record<string, unknown> | undefined) ?? {})) out[k] = valueToJson(v as Record<string, unknown>);
  return out;
}

function listToJson(m: Record<string, unknown>): unknown[] {
  return ((m.values as unknown[] | undefined) ?? []).map((v) => valueToJson(v as Record<string, unknown>));
}

// protobufjs's built-in google.protobuf.Value uses camelCase field names even under keepCase.
function kindOf(v: Record<string, unknown>, snake: string): unknown {
  const camel = snake.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  if (has(v, snake)) return v[snake];
  if (has(v, camel)) return v[camel];
  return undefined;
}

function valueToJson(v: Record<string, unknown> | undefined): unknown {
  if (!v) return null;
  const st = kindOf(v, "struct_value");
  if (st) return structToJson(st as Record<string, unknown>);
  const lv = kindOf(v, "list_value");
  if (lv) return listToJson(lv as Record<string, unknown>);
  for (const k of ["string_value", "number_value", "bool_value"]) {
    const x = kindOf(v, k);
    if (x !== undefined && x !== null) return x;
  }
  return null;
}
