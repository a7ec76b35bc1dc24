// Workload identity for the proxy process (pilot-agent's certificate half).
export { startProxyIdentity, type ProxyIdentity, type ProxyIdentityOptions } from "./proxy-identity.js";
export { takeIdentityFlag, identityConfig, IDENTITY_USAGE, type IdentityFlags } from "./identity-flags.js";
