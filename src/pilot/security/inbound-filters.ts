// The security filters of one inbound HTTP chain in Istio's order: jwt_authn, then the
// authorization filters (CUSTOM → ext_authz → DENY → ALLOW → AUDIT); all go before the router.
import type { AuthorizationPolicy } from "../../config/kinds/security/authorization-policy.js";
import type { RequestAuthentication } from "../../config/kinds/security/request-authentication.js";
import { authorizationFilters, type AuthzOptions } from "./authorization-filters.js";
import { jwtAuthnFilter } from "./jwt-authn-config.js";
import type { Json } from "./envoy-matchers.js";
import type { SecurityWorkload } from "./policy-selection.js";

export function inboundSecurityHttpFilters(w: SecurityWorkload, authz: readonly AuthorizationPolicy[], authn: readonly RequestAuthentication[], opts: AuthzOptions): { http: Json[]; tcp: Json[]; warnings: string[]; notes: string[] } {
  const jwt = jwtAuthnFilter(w, authn, opts.rootNamespace);
  const a = authorizationFilters(w, authz, opts);
  return { http: jwt === null ? a.http : [jwt, ...a.http], tcp: a.tcp, warnings: a.warnings, notes: a.notes };
}
