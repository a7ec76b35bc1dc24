// The security policies a push needs, read once from the config store: PeerAuthentication
// (inbound mTLS modes), AuthorizationPolicy and RequestAuthentication (inbound filters).
import type { AuthorizationPolicy } from "../../config/kinds/security/authorization-policy.js";
import type { PeerAuthentication } from "../../config/kinds/security/peer-authentication.js";
import type { RequestAuthentication } from "../../config/kinds/security/request-authentication.js";
import type { ConfigStore } from "../../config/store/index.js";

export interface SecurityPolicies {
  readonly peerAuthentications: readonly PeerAuthentication[];
  readonly authorizationPolicies: readonly AuthorizationPolicy[];
  readonly requestAuthentications: readonly RequestAuthentication[];
}

export const NO_SECURITY_POLICIES: SecurityPolicies = { peerAuthentications: [], authorizationPolicies: [], requestAuthentications: [] };

export function securityPolicies(store: ConfigStore): SecurityPolicies {
  const list = <T>(kind: string): T[] => store.list(kind) as unknown as T[];
  return {
    peerAuthentications: list<PeerAuthentication>("PeerAuthentication"),
    authorizationPolicies: list<AuthorizationPolicy>("AuthorizationPolicy"),
    requestAuthentications: list<RequestAuthentication>("RequestAuthentication"),
  };
}
