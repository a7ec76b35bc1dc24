// The agent's identity half, for the proxy process and the local platform.
export { startIdentityAgent, type IdentityAgent, type IdentityAgentOptions } from "./identity-agent.js";
export { DEFAULT_SECRET, ROOTCA_SECRET, pemsFromSecrets, type EnvoySecretJson, type SecretPems } from "./envoy-secrets.js";
export { rotationTime, type IssuedCert } from "./cert-rotator.js";
export { systemClock, type AgentClock } from "./clock.js";
