// Proto JSON lets a message's fields be written with their proto names (snake_case) as well as
// their JSON names (lowerCamelCase), and Istio parses MeshConfig and ProxyConfig that way: its
// docs use both (`custom_tags`, `max_path_tag_length` in the tracing task). This renames such
// keys to the JSON name before the schema sees them, following the schema so that map keys (custom
// tag names, labels) stay as written. Istio's CRDs are not parsed like this (the API server's
// schema knows only the JSON names), so only the mesh config and the proxy config use it.
import type { z } from "zod";

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: readonly z.ZodType[];
  in?: z.ZodType;
  getter?: () => z.ZodType;
}

const MAX_DEPTH = 64;

function defOf(s: z.ZodType): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function jsonName(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** The fields of an object schema, or of every object option of a union (oneof-like messages). */
function fieldsOf(s: z.ZodType, depth: number): Record<string, z.ZodType> | null {
  if (depth > MAX_DEPTH) return null;
  const d = defOf(s);
  if (d.type === "object") return d.shape ?? null;
  if (d.type === "optional" || d.type === "nullable" || d.type === "default" || d.type === "readonly") return d.innerType ? fieldsOf(d.innerType, depth + 1) : null;
  if (d.type === "pipe") return d.in ? fieldsOf(d.in, depth + 1) : null;
  if (d.type === "lazy") return d.getter ? fieldsOf(d.getter(), depth + 1) : null;
  if (d.type === "union" && d.options) {
    const all: Record<string, z.ZodType> = {};
    for (const o of d.options) Object.assign(all, fieldsOf(o, depth + 1) ?? {});
    return Object.keys(all).length > 0 ? all : null;
  }
  return null;
}

function rename(value: unknown, schema: z.ZodType, depth: number): unknown {
  if (depth > MAX_DEPTH) return value;
  const d = defOf(schema);
  switch (d.type) {
    case "optional": case "nullable": case "default": case "readonly":
      return d.innerType ? rename(value, d.innerType, depth + 1) : value;
    case "pipe":
      return d.in ? rename(value, d.in, depth + 1) : value;
    case "lazy":
      return d.getter ? rename(value, d.getter(), depth + 1) : value;
    case "array":
      return Array.isArray(value) && d.element ? value.map((v) => rename(v, d.element as z.ZodType, depth + 1)) : value;
    case "record": {
      if (!isPlainObject(value) || !d.valueType) return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = rename(v, d.valueType, depth + 1);
      return out;
    }
    case "object": case "union": {
      const fields = isPlainObject(value) ? fieldsOf(schema, depth) : null;
      if (fields === null || !isPlainObject(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        let key = k;
        if (!Object.hasOwn(fields, k) && k.includes("_")) {
          const j = jsonName(k);
          if (Object.hasOwn(fields, j) && !Object.hasOwn(value, j)) key = j;
        }
        const field = fields[key];
        out[key] = field === undefined ? v : rename(v, field, depth + 1);
      }
      return out;
    }
    default:
      return value;
  }
}

/** `value` with proto field names (snake_case) renamed to their JSON names where `schema` has them. */
export function withJsonFieldNames(value: unknown, schema: z.ZodType): unknown {
  return rename(value, schema, 0);
}
