// JwtRequirement trees (provider_name, provider_and_audiences, requires_any, requires_all,
// allow_missing, allow_missing_or_failed) and the rules that pick one by path, compiled once.
import { arr, invalid, obj, str } from "../../../router/envoy-json.js";
import { compileStringMatch, testStringMatch, type StringMatch, StringMatchKind } from "../../../router/string-match.js";
import { regexMatcher } from "../../../router/regex.js";
import type { JwtProvider } from "./jwt-provider.js";

export type JwtRequirement =
  | { readonly kind: "provider"; readonly provider: JwtProvider; readonly audiences: readonly string[] | null }
  | { readonly kind: "any" | "all"; readonly children: readonly JwtRequirement[] }
  | { readonly kind: "allow_missing" | "allow_missing_or_failed" };

export interface JwtRule {
  readonly match: StringMatch;
  readonly requirement: JwtRequirement | null;
}

export function compileRequirement(v: unknown, field: string, providers: ReadonlyMap<string, JwtProvider>, named?: ReadonlyMap<string, JwtRequirement>): JwtRequirement {
  const o = obj(v, field) ?? {};
  const provider = (name: string, f: string): JwtProvider => {
    const p = providers.get(name);
    if (p === undefined) throw invalid(f, `unknown provider "${name}"`);
    return p;
  };
  if (o["provider_name"] !== undefined) return { kind: "provider", provider: provider(str(o["provider_name"], `${field}.provider_name`) ?? "", `${field}.provider_name`), audiences: null };
  if (o["provider_and_audiences"] !== undefined) {
    const pa = obj(o["provider_and_audiences"], `${field}.provider_and_audiences`) ?? {};
    return {
      kind: "provider",
      provider: provider(str(pa["provider_name"], `${field}.provider_and_audiences.provider_name`) ?? "", `${field}.provider_and_audiences.provider_name`),
      audiences: arr(pa["audiences"], `${field}.provider_and_audiences.audiences`).map((a) => String(a)),
    };
  }
  for (const [key, kind] of [["requires_any", "any"], ["requires_all", "all"]] as const) {
    if (o[key] !== undefined) {
      const reqs = arr((obj(o[key], `${field}.${key}`) ?? {})["requirements"], `${field}.${key}.requirements`);
      if (reqs.length < 2) throw invalid(`${field}.${key}.requirements`, "needs at least two requirements");
      return { kind, children: reqs.map((r, i) => compileRequirement(r, `${field}.${key}.requirements[${i}]`, providers, named)) };
    }
  }
  if (o["allow_missing"] !== undefined) return { kind: "allow_missing" };
  if (o["allow_missing_or_failed"] !== undefined) return { kind: "allow_missing_or_failed" };
  throw invalid(field, "needs one of provider_name, provider_and_audiences, requires_any, requires_all, allow_missing, allow_missing_or_failed");
}

export function compileRule(v: unknown, field: string, providers: ReadonlyMap<string, JwtProvider>, named: ReadonlyMap<string, JwtRequirement>): JwtRule {
  const o = obj(v, field) ?? {};
  const m = obj(o["match"], `${field}.match`) ?? {};
  let match: StringMatch;
  if (m["prefix"] !== undefined) match = compileStringMatch({ prefix: m["prefix"] }, `${field}.match`);
  else if (m["path"] !== undefined) match = compileStringMatch({ exact: m["path"] }, `${field}.match`);
  else if (m["safe_regex"] !== undefined) match = { kind: StringMatchKind.Regex, value: "", ignoreCase: false, regex: regexMatcher(m["safe_regex"], `${field}.match.safe_regex`, true) };
  else throw invalid(`${field}.match`, "needs prefix, path or safe_regex");
  if (o["requires"] !== undefined) return { match, requirement: compileRequirement(o["requires"], `${field}.requires`, providers, named) };
  const name = str(o["requirement_name"], `${field}.requirement_name`);
  if (name !== undefined) {
    const r = named.get(name);
    if (r === undefined) throw invalid(`${field}.requirement_name`, `unknown requirement "${name}"`);
    return { match, requirement: r };
  }
  return { match, requirement: null };
}

export function ruleMatches(rule: JwtRule, pathOnly: string): boolean {
  return testStringMatch(rule.match, pathOnly);
}
