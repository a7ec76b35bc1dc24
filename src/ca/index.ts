// The certificate authority: roots (self-signed or plugged-in), workload signing, the CSR
// service, and its authenticators. The control plane wires these together.
export { CertificateAuthority, DEFAULT_WORKLOAD_TTL_MS, DEFAULT_MAX_WORKLOAD_TTL_MS, type AuthorityOptions } from "./authority.js";
export { loadOrCreateSelfSignedCa, ROOT_CERT_FILE, ROOT_KEY_FILE } from "./self-signed-store.js";
export { loadPluggedCa, PLUGGED_FILES } from "./plugged-ca.js";
export { createSelfSignedRoot, type SigningCa } from "./signing-ca.js";
export { startCaServer, CA_SERVER_DNS_NAMES, type CaServer, type CaServerOptions, type CaCallEvent } from "./csr-service.js";
export { AuthenticatorRegistry } from "./authn/registry.js";
export { BootstrapTokens, type PodBinding } from "./authn/bootstrap-token.js";
export { KubernetesJwtAuthenticator, type KubernetesJwtOptions } from "./authn/kubernetes-jwt.js";
export type { Authenticator, Caller, AuthnRequest } from "./authn/types.js";
export { spiffeId, parseSpiffeId, type WorkloadIdentity } from "./spiffe.js";
export { prepareNextRoot, activateNextRoot, persistTrustBundle, readTrustBundle, TRUST_BUNDLE_FILE } from "./root-rotation.js";
