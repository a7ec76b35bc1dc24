// envoy.type.matcher.v3.MetadataMatcher over dynamic metadata (the JWT payload and Istio's
// `istio_authn` request.auth.* keys), compiled once.
import { arr, bool, invalid, num, obj, str } from "../../../router/envoy-json.js";
import { compileStringMatch, testStringMatch, type StringMatch } from "../../../router/string-match.js";
import type { DynamicMetadata } from "./rbac-request.js";

type ValueTest =
  | { kind: "string"; m: StringMatch }
  | { kind: "bool"; b: boolean }
  | { kind: "double"; exact: number }
  | { kind: "present"; p: boolean }
  | { kind: "null" }
  | { kind: "list"; oneOf: ValueTest }
  | { kind: "or"; any: readonly ValueTest[] };

export interface MetadataMatch {
  readonly filter: string;
  readonly path: readonly string[];
  readonly value: ValueTest;
  readonly invert: boolean;
}

function compileValue(v: unknown, field: string): ValueTest {
  const o = obj(v, field);
  if (!o) throw invalid(field, "is required");
  if (o["string_match"] !== undefined) return { kind: "string", m: compileStringMatch(o["string_match"], `${field}.string_match`) };
  if (o["bool_match"] !== undefined) return { kind: "bool", b: bool(o["bool_match"], `${field}.bool_match`) ?? false };
  if (o["present_match"] !== undefined) return { kind: "present", p: bool(o["present_match"], `${field}.present_match`) ?? false };
  if (o["null_match"] !== undefined) return { kind: "null" };
  if (o["double_match"] !== undefined) {
    const d = obj(o["double_match"], `${field}.double_match`) ?? {};
    if (d["exact"] === undefined) throw invalid(`${field}.double_match`, "only exact is supported");
    return { kind: "double", exact: num(d["exact"], `${field}.double_match.exact`) ?? 0 };
  }
  if (o["list_match"] !== undefined) {
    const l = obj(o["list_match"], `${field}.list_match`) ?? {};
    return { kind: "list", oneOf: compileValue(l["one_of"], `${field}.list_match.one_of`) };
  }
  if (o["or_match"] !== undefined) {
    const l = obj(o["or_match"], `${field}.or_match`) ?? {};
    return { kind: "or", any: arr(l["value_matchers"], `${field}.or_match.value_matchers`).map((x, i) => compileValue(x, `${field}.or_match.value_matchers[${i}]`)) };
  }
  throw invalid(field, "needs one of string_match, bool_match, present_match, null_match, double_match, list_match, or_match");
}

export function compileMetadataMatch(v: unknown, field: string): MetadataMatch {
  const o = obj(v, field) ?? {};
  const filter = str(o["filter"], `${field}.filter`) ?? "";
  if (filter === "") throw invalid(`${field}.filter`, "is required");
  const path = arr(o["path"], `${field}.path`).map((s, i) => str((obj(s, `${field}.path[${i}]`) ?? {})["key"], `${field}.path[${i}].key`) ?? "");
  if (path.length === 0) throw invalid(`${field}.path`, "needs at least one key");
  return { filter, path, value: compileValue(o["value"], `${field}.value`), invert: bool(o["invert"], `${field}.invert`) ?? false };
}

function testValue(t: ValueTest, v: unknown): boolean {
  switch (t.kind) {
    case "present": return (v !== undefined) === t.p;
    case "null": return v === null;
    case "string": return typeof v === "string" && testStringMatch(t.m, v);
    case "bool": return v === t.b;
    case "double": return v === t.exact;
    case "list": return Array.isArray(v) && v.some((e) => testValue(t.oneOf, e));
    case "or": return t.any.some((x) => testValue(x, v));
  }
}

export function testMetadataMatch(m: MetadataMatch, md: DynamicMetadata): boolean {
  let v: unknown = md.get(m.filter);
  for (const k of m.path) {
    v = typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined;
  }
  const ok = testValue(m.value, v);
  return m.invert ? !ok : ok;
}
