// Test harness: Istio documents → translated filters → the proxy's own RBAC evaluator, so a
// policy's behaviour is checked end to end at unit level (no sockets).
import { fromEnvoyJson } from "../../../api/envoy/index.js";
import type { AuthorizationPolicy } from "../../../config/kinds/security/authorization-policy.js";
import { compileRbacConfig } from "../../../proxy/http/filters/rbac/rbac-engine.js";
import type { RbacRequest } from "../../../proxy/http/filters/rbac/rbac-request.js";
import { HeaderList } from "../../../proxy/http/header-list.js";
import type { Json } from "../envoy-matchers.js";

export function policy(ns: string, name: string, spec: AuthorizationPolicy["spec"], annotations?: Record<string, string>): AuthorizationPolicy {
  return { apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy", metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) }, spec };
}

/** Checks a filter's typed_config against Envoy's protos (throws MIZZEN_ERR_XDS_INVALID). */
export function assertValidEnvoy(filter: Json): void {
  const tc = filter["typed_config"] as Json;
  const { "@type": type, ...rest } = tc;
  fromEnvoyJson(String(type).slice("type.googleapis.com/".length), rest);
}

export interface SimRequest {
  method?: string;
  path?: string;
  host?: string;
  headers?: Record<string, string>;
  principal?: string;
  sourceIp?: string;
  destinationPort?: number;
  sni?: string;
  /** istio_authn metadata (request.auth.principal, request.auth.claims …). */
  authn?: Record<string, unknown>;
  tcp?: boolean;
}

export function simRequest(r: SimRequest): RbacRequest {
  const h = new HeaderList();
  for (const [k, v] of Object.entries(r.headers ?? {})) h.push(k.toLowerCase(), v);
  const ip = r.sourceIp ?? "10.0.0.1";
  return {
    headers: r.tcp ? null : h, method: r.method ?? "GET", path: r.path ?? "/", authority: r.host ?? "svc.local",
    directRemoteIp: ip, remoteIp: ip, destinationIp: "10.0.0.9", destinationPort: r.destinationPort ?? 9080,
    peerUriSans: r.principal ? [r.principal] : [], authenticated: r.principal !== undefined, sni: r.sni ?? "",
    metadata: new Map(r.authn ? [["istio_authn", r.authn]] : []),
  };
}

/**
 * Runs the RBAC filters of a translated chain in order as the proxy would, returning "allowed",
 * "denied", or "ext_authz" when the CUSTOM shadow engine selects the request for the authorizer.
 */
export function decide(filters: readonly Json[], req: RbacRequest): "allowed" | "denied" | "ext_authz" {
  let toExtAuthz = false;
  for (const f of filters) {
    const tc = f["typed_config"] as Json;
    if (String(tc["@type"]).endsWith("ExtAuthz")) continue;
    const cfg = compileRbacConfig(tc, "typed_config");
    if (cfg.shadowPrefix === "istio_ext_authz_" && cfg.shadow !== null && cfg.shadow.match(req) !== null) toExtAuthz = true;
    if (cfg.rules !== null && !cfg.rules.evaluate(req).allowed) return "denied";
  }
  return toExtAuthz ? "ext_authz" : "allowed";
}
