// Istio's value syntax (exact, "prefix*", "*suffix", "*") as Envoy StringMatcher JSON, and the
// small RBAC permission/principal builders the policy translation is made of.

export type Json = Record<string, unknown>;

/** "*" → any non-empty value; "a*" → prefix; "*a" → suffix; otherwise exact (with `addPrefix` in front). */
export function istioStringMatch(v: string, addPrefix = "", ignoreCase = false): Json {
  const ic = ignoreCase ? { ignore_case: true } : {};
  if (v === "*") return { safe_regex: { regex: ".+" } };
  if (v.endsWith("*")) return { prefix: addPrefix + v.slice(0, -1), ...ic };
  if (v.startsWith("*")) return { suffix: v.slice(1), ...ic };
  return { exact: addPrefix + v, ...ic };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Istio paths: exact, "/a*", "*\/a", "*", and the templates `{*}` (one segment) and `{**}` (the rest). */
export function istioPathMatch(v: string): Json {
  if (v.includes("{*}") || v.includes("{**}")) {
    const re = v.split("/").map((seg) => seg === "{**}" ? ".+" : seg === "{*}" ? "[^/]+" : escapeRegex(seg)).join("/");
    return { safe_regex: { regex: re } };
  }
  return istioStringMatch(v);
}

export function orPermissions(rules: Json[]): Json {
  return rules.length === 1 ? (rules[0] as Json) : { or_rules: { rules } };
}

export function orPrincipals(ids: Json[]): Json {
  return ids.length === 1 ? (ids[0] as Json) : { or_ids: { ids } };
}

export function spiffePrincipal(v: string): Json {
  return { authenticated: { principal_name: istioStringMatch(v, "spiffe://") } };
}

/** Namespace as Istio matches it: the SPIFFE ID's `/ns/<ns>/` segment. */
export function namespacePrincipal(ns: string): Json {
  if (ns === "*") return { authenticated: { principal_name: { safe_regex: { regex: ".+" } } } };
  if (ns.endsWith("*")) return { authenticated: { principal_name: { safe_regex: { regex: `.*/ns/${escapeRegex(ns.slice(0, -1))}.*/.*` } } } };
  if (ns.startsWith("*")) return { authenticated: { principal_name: { safe_regex: { regex: `.*/ns/.*${escapeRegex(ns.slice(1))}/.*` } } } };
  return { authenticated: { principal_name: { safe_regex: { regex: `.*/ns/${escapeRegex(ns)}/.*` } } } };
}

export function cidr(v: string): Json {
  const [addr, len] = v.split("/");
  const a = addr ?? "";
  return { address_prefix: a, prefix_len: len === undefined ? (a.includes(":") ? 128 : 32) : Number(len) };
}

/** A metadata matcher on Istio's `istio_authn` namespace (request.auth.*). */
export function authnMetadata(path: string[], value: Json, list = false): Json {
  return {
    metadata: {
      filter: "istio_authn",
      path: path.map((key) => ({ key })),
      value: list ? { list_match: { one_of: { string_match: value } } } : { string_match: value },
    },
  };
}

export function headerMatch(name: string, v: string, ignoreCase = false): Json {
  if (v === "*") return { header: { name, present_match: true } };
  return { header: { name, string_match: istioStringMatch(v, "", ignoreCase) } };
}

/** :authority as Istio matches hosts: case-insensitive, with or without a port. */
export function hostPermissions(v: string): Json[] {
  if (v === "*") return [{ header: { name: ":authority", present_match: true } }];
  const out: Json[] = [headerMatch(":authority", v, true)];
  if (!v.endsWith("*") && !v.includes(":")) out.push({ header: { name: ":authority", string_match: { prefix: `${v}:`, ignore_case: true } } });
  return out;
}
