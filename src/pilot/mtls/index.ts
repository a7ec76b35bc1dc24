// Mesh security in the generated resources: auto mTLS and secure naming on outbound clusters and
// endpoints, PeerAuthentication modes and policy filters on inbound listeners.
import type { ProxyScope } from "../scope.js";
import type { EnvoyJson } from "../envoy.js";
import { applyAutoMtls, tagMtlsEndpoints } from "./auto-mtls.js";
import { secureInboundListeners } from "./inbound-mtls.js";
import { NO_SECURITY_POLICIES, type SecurityPolicies } from "./policies.js";

export { applyAutoMtls, tagMtlsEndpoints, destinationIdentities, parseOutboundName, TLS_MODE_LABEL } from "./auto-mtls.js";
export { secureInboundListeners, inboundMtlsTransportSocket, securityWorkload, ISTIO_MTLS_ALPNS } from "./inbound-mtls.js";
export { securityPolicies, NO_SECURITY_POLICIES, type SecurityPolicies } from "./policies.js";

export interface SecuredResources {
  readonly listeners: EnvoyJson[];
  readonly clusters: EnvoyJson[];
  readonly endpoints: EnvoyJson[];
}

/** Applies mesh security in place (sidecars: inbound too; gateways: outbound only). */
export function applyMeshSecurity(scope: ProxyScope, r: SecuredResources, policies: SecurityPolicies = NO_SECURITY_POLICIES): void {
  applyAutoMtls(scope, r.clusters);
  tagMtlsEndpoints(scope, r.endpoints);
  if (scope.proxy.type !== "router") secureInboundListeners(scope, r.listeners, policies);
}
