// RE2-compatible regexes compiled once at config time into JS RegExp. Constructs RE2 does not
// support (lookaround, backreferences) are rejected so a config behaves as it would in Envoy.
import { invalid, obj, str } from "./envoy-json.js";

const UNSUPPORTED: readonly [RegExp, string][] = [
  [/\(\?<?[=!]/, "lookaround is not supported (RE2 syntax)"],
  [/(^|[^\\])\\[1-9]/, "backreferences are not supported (RE2 syntax)"],
  [/\\k</, "named backreferences are not supported (RE2 syntax)"],
];

/** Compiles an RE2 pattern; `anchored` wraps it so it must match the whole input (Envoy's full match). */
export function compileRe2(pattern: string, field: string, anchored: boolean, flags = ""): RegExp {
  for (const [re, why] of UNSUPPORTED) if (re.test(pattern)) throw invalid(field, why);
  // RE2's (?P<name>…) is JS's (?<name>…).
  const js = pattern.replace(/\(\?P</g, "(?<");
  try {
    return new RegExp(anchored ? `^(?:${js})$` : js, flags);
  } catch (e) {
    throw invalid(field, `bad regex ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
}

/** Reads a RegexMatcher ({ regex, google_re2? }). */
export function regexMatcher(v: unknown, field: string, anchored: boolean, flags = ""): RegExp {
  const o = obj(v, field);
  const pattern = o ? str(o["regex"], `${field}.regex`) : undefined;
  if (pattern === undefined) throw invalid(`${field}.regex`, "is required");
  return compileRe2(pattern, `${field}.regex`, anchored, flags);
}

/** Turns an Envoy regex substitution (\1 for groups) into a JS replacement string ($1). */
export function substitution(s: string): string {
  return s.replace(/\$/g, "$$$$").replace(/\\(\d)/g, "$$$1");
}
