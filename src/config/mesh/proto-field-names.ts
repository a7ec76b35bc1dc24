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

/** The schema under optional/nullable/default/readonly wrappers, a pipe's input, a lazy's target. */
function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < MAX_DEPTH; i++) {
    const d = defOf(cur);
    const next = d.type === "optional" || d.type === "nullable" || d.type === "default" || d.type === "readonly" ? d.innerType
      : d.type === "pipe" ? d.in
        : d.type === "lazy" ? d.getter?.()
          : undefined;
    if (next === undefined) return cur;
    cur = next;
  }
  return cur;
}

/** The fields of an object schema, or of every object option of a union (oneof-like messages). */
function fieldsOf(s: z.ZodType, depth: number): Record<string, z.ZodType> | null {
  if (depth > MAX_DEPTH) return null;
  const d = defOf(unwrap(s));
  if (d.type === "object") return d.shape ?? null;
  if (d.type === "union" && d.options) {
    const all: Record<string, z.ZodType> = {};
    for (const o of d.options) Object.assign(all, fieldsOf(o, depth + 1) ?? {});
    return Object.keys(all).length > 0 ? all : null;
  }
  return null;
}

function rename(value: unknown, schema: z.ZodType, depth: number): unknown {
  if (depth > MAX_DEPTH) return value;
  const s = unwrap(schema);
  const d = defOf(s);
  if (d.type === "array") return Array.isArray(value) && d.element ? value.map((v) => rename(v, d.element as z.ZodType, depth + 1)) : value;
  if (!isPlainObject(value)) return value;
  if (d.type === "record") {
    if (!d.valueType) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = rename(v, d.valueType, depth + 1);
    return out;
  }
  const fields = d.type === "object" || d.type === "union" ? fieldsOf(s, depth) : null;
  if (fields === null) return value;
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

/** `value` with proto field names (snake_case) renamed to their JSON names where `schema` has them. */
export function withJsonFieldNames(value: unknown, schema: z.ZodType): unknown {
  return rename(value, schema, 0);
}
