// RequestAuthentication (all policies applicable to a workload, merged as Istio does) → one
// envoy.filters.http.jwt_authn filter: a provider per jwtRule, the issuer's payload in metadata,
// and one rule for every path requiring any provider or, by default, allowing a missing token
// (then AuthorizationPolicy decides). Remote JWKS are fetched by the proxy (async, cached 20 min).
import type { RequestAuthentication, JwtRule } from "../../config/kinds/security/request-authentication.js";
import type { Json } from "./envoy-matchers.js";
import { policyApplies, type SecurityWorkload } from "./policy-selection.js";

export const JWT_AUTHN_TYPE = "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication";
/** Istio's JWKS refresh interval (PILOT_JWT_PUB_KEY_REFRESH_INTERVAL). */
const JWKS_CACHE = "1200s";
/** Keys no token can match: Istio's answer to a rule without a usable JWKS, so tokens fail closed. */
const EMPTY_JWKS = JSON.stringify({ keys: [] });

function jwksSource(r: JwtRule): Json {
  if (r.jwks !== undefined) return { local_jwks: { inline_string: r.jwks } };
  const uri = r.jwksUri ?? r.jwks_uri;
  if (uri === undefined) return { local_jwks: { inline_string: EMPTY_JWKS } };
  let cluster = "";
  try {
    const u = new URL(uri);
    cluster = `outbound|${u.port || (u.protocol === "https:" ? "443" : "80")}||${u.hostname}`;
  } catch { /* validation rejects bad URIs; keep the cluster empty */ }
  return { remote_jwks: { http_uri: { uri, cluster, timeout: r.timeout ?? "5s" }, cache_duration: JWKS_CACHE, async_fetch: {} } };
}

function provider(r: JwtRule): Json {
  const p: Json = { issuer: r.issuer ?? "", ...jwksSource(r), payload_in_metadata: r.issuer ?? "" };
  if (r.audiences?.length) p["audiences"] = r.audiences;
  if (r.forwardOriginalToken === true) p["forward"] = true;
  if (r.fromHeaders?.length) p["from_headers"] = r.fromHeaders.map((h) => ({ name: h.name, ...(h.prefix ? { value_prefix: h.prefix } : {}) }));
  if (r.fromParams?.length) p["from_params"] = r.fromParams;
  if (r.fromCookies?.length) p["from_cookies"] = r.fromCookies;
  if (r.outputPayloadToHeader) p["forward_payload_header"] = r.outputPayloadToHeader;
  if (r.outputClaimToHeaders?.length) p["claim_to_headers"] = r.outputClaimToHeaders.map((c) => ({ header_name: c.header, claim_name: c.claim }));
  return p;
}

export function applicableRequestAuthentications(w: SecurityWorkload, all: readonly RequestAuthentication[], rootNamespace: string): RequestAuthentication[] {
  return all
    .filter((p) => policyApplies(p.spec, p.metadata.namespace ?? "default", w, rootNamespace))
    .sort((a, b) => `${a.metadata.namespace ?? ""}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ""}/${b.metadata.name}`));
}

/** The http_filters entry, or null when no RequestAuthentication with rules applies. */
export function jwtAuthnFilter(w: SecurityWorkload, all: readonly RequestAuthentication[], rootNamespace: string): Json | null {
  const rules = applicableRequestAuthentications(w, all, rootNamespace).flatMap((p) => p.spec.jwtRules ?? []);
  if (rules.length === 0) return null;
  const providers: Json = {};
  const names = rules.map((r, i) => {
    const name = `origins-${i}`;
    providers[name] = provider(r);
    return name;
  });
  const requirements: Json[] = names.map((provider_name) => ({ provider_name }));
  const allRequired = rules.every((r) => r.presence === "REQUIRED");
  if (!allRequired) requirements.push({ allow_missing: {} });
  const requires = requirements.length === 1 ? (requirements[0] as Json) : { requires_any: { requirements } };
  return {
    name: "envoy.filters.http.jwt_authn",
    typed_config: { "@type": JWT_AUTHN_TYPE, providers, rules: [{ match: { prefix: "/" }, requires }], bypass_cors_preflight: true },
  };
}
