// HeaderMatcher and QueryParameterMatcher (route match and retriable_headers), compiled once.
import { invalid, obj, str, bool, int } from "./envoy-json.js";
import { compileStringMatch, testStringMatch, type StringMatch, StringMatchKind } from "./string-match.js";
import { regexMatcher } from "./regex.js";

export interface HeaderMatch {
  readonly name: string;
  /** null = presence test (see `present`). */
  readonly string: StringMatch | null;
  readonly range: { start: number; end: number } | null;
  /** For presence tests: true = must be present, false = must be absent. */
  readonly present: boolean;
  readonly invert: boolean;
  readonly missingAsEmpty: boolean;
}

function legacy(kind: StringMatchKind, value: string): StringMatch {
  return { kind, value, ignoreCase: false, regex: null };
}

export function compileHeaderMatch(v: unknown, field: string): HeaderMatch {
  const o = obj(v, field);
  if (!o) throw invalid(field, "is required");
  const name = str(o["name"], `${field}.name`)?.toLowerCase();
  if (!name) throw invalid(`${field}.name`, "is required");
  const invert = bool(o["invert_match"], `${field}.invert_match`) ?? false;
  const missingAsEmpty = bool(o["treat_missing_header_as_empty"], `${field}.treat_missing_header_as_empty`) ?? false;
  let string: StringMatch | null = null;
  let range: HeaderMatch["range"] = null;
  let present = true;
  if (o["string_match"] !== undefined) string = compileStringMatch(o["string_match"], `${field}.string_match`);
  else if (o["exact_match"] !== undefined) string = legacy(StringMatchKind.Exact, str(o["exact_match"], `${field}.exact_match`) ?? "");
  else if (o["prefix_match"] !== undefined) string = legacy(StringMatchKind.Prefix, str(o["prefix_match"], `${field}.prefix_match`) ?? "");
  else if (o["suffix_match"] !== undefined) string = legacy(StringMatchKind.Suffix, str(o["suffix_match"], `${field}.suffix_match`) ?? "");
  else if (o["contains_match"] !== undefined) string = legacy(StringMatchKind.Contains, str(o["contains_match"], `${field}.contains_match`) ?? "");
  else if (o["safe_regex_match"] !== undefined) {
    string = { kind: StringMatchKind.Regex, value: "", ignoreCase: false, regex: regexMatcher(o["safe_regex_match"], `${field}.safe_regex_match`, true) };
  } else if (o["range_match"] !== undefined) {
    const r = obj(o["range_match"], `${field}.range_match`) ?? {};
    const start = int(r["start"], `${field}.range_match.start`) ?? 0;
    const end = int(r["end"], `${field}.range_match.end`) ?? 0;
    if (end <= start) throw invalid(`${field}.range_match`, "end must be greater than start");
    range = { start, end };
  } else if (o["present_match"] !== undefined) {
    present = bool(o["present_match"], `${field}.present_match`) ?? true;
  }
  return { name, string, range, present, invert, missingAsEmpty };
}

const INT_RE = /^-?\d+$/;

/** value undefined = header absent. */
export function testHeaderMatch(m: HeaderMatch, value: string | undefined): boolean {
  if (value === undefined && m.missingAsEmpty && (m.string !== null || m.range !== null)) value = "";
  let ok: boolean;
  if (value === undefined) ok = m.string === null && m.range === null ? !m.present : false;
  else if (m.string !== null) ok = testStringMatch(m.string, value);
  else if (m.range !== null) ok = INT_RE.test(value) && Number(value) >= m.range.start && Number(value) < m.range.end;
  else ok = m.present;
  return m.invert ? !ok : ok;
}

export interface QueryParamMatch {
  readonly name: string;
  readonly string: StringMatch | null;
}

export function compileQueryParamMatch(v: unknown, field: string): QueryParamMatch {
  const o = obj(v, field);
  if (!o) throw invalid(field, "is required");
  const name = str(o["name"], `${field}.name`);
  if (!name) throw invalid(`${field}.name`, "is required");
  if (o["string_match"] !== undefined) return { name, string: compileStringMatch(o["string_match"], `${field}.string_match`) };
  if (o["present_match"] === undefined || o["present_match"] === true) return { name, string: null };
  throw invalid(field, "needs string_match or present_match: true");
}

/** Finds a query parameter's raw value in "a=1&b=2" (no allocation beyond the result). */
export function queryParam(query: string, name: string): string | undefined {
  let i = 0;
  while (i <= query.length) {
    let amp = query.indexOf("&", i);
    if (amp < 0) amp = query.length;
    const eq = query.indexOf("=", i);
    const keyEnd = eq >= 0 && eq < amp ? eq : amp;
    if (keyEnd - i === name.length && query.startsWith(name, i)) return keyEnd === amp ? "" : query.slice(keyEnd + 1, amp);
    i = amp + 1;
  }
  return undefined;
}
