// envoy.type.matcher.v3.StringMatcher compiled into a small tagged record tested without allocation.
import { invalid, obj, str, bool } from "./envoy-json.js";
import { regexMatcher } from "./regex.js";

export const enum StringMatchKind { Exact, Prefix, Suffix, Contains, Regex }

export interface StringMatch {
  readonly kind: StringMatchKind;
  /** Lower-cased already when ignoreCase. */
  readonly value: string;
  readonly ignoreCase: boolean;
  readonly regex: RegExp | null;
}

export function compileStringMatch(v: unknown, field: string): StringMatch {
  const o = obj(v, field);
  if (!o) throw invalid(field, "is required");
  const ignoreCase = bool(o["ignore_case"], `${field}.ignore_case`) ?? false;
  const make = (kind: StringMatchKind, value: string): StringMatch =>
    ({ kind, value: ignoreCase ? value.toLowerCase() : value, ignoreCase, regex: null });
  if (o["exact"] !== undefined) return make(StringMatchKind.Exact, str(o["exact"], `${field}.exact`) ?? "");
  if (o["prefix"] !== undefined) return make(StringMatchKind.Prefix, str(o["prefix"], `${field}.prefix`) ?? "");
  if (o["suffix"] !== undefined) return make(StringMatchKind.Suffix, str(o["suffix"], `${field}.suffix`) ?? "");
  if (o["contains"] !== undefined) return make(StringMatchKind.Contains, str(o["contains"], `${field}.contains`) ?? "");
  if (o["safe_regex"] !== undefined) {
    return { kind: StringMatchKind.Regex, value: "", ignoreCase: false, regex: regexMatcher(o["safe_regex"], `${field}.safe_regex`, true) };
  }
  throw invalid(field, "needs one of exact, prefix, suffix, contains, safe_regex");
}

export function exactMatch(value: string): StringMatch {
  return { kind: StringMatchKind.Exact, value, ignoreCase: false, regex: null };
}

export function testStringMatch(m: StringMatch, input: string): boolean {
  const s = m.ignoreCase ? input.toLowerCase() : input;
  switch (m.kind) {
    case StringMatchKind.Exact: return s === m.value;
    case StringMatchKind.Prefix: return s.startsWith(m.value);
    case StringMatchKind.Suffix: return s.endsWith(m.value);
    case StringMatchKind.Contains: return s.includes(m.value);
    case StringMatchKind.Regex: return (m.regex as RegExp).test(input);
  }
}
