// Security translation for the listener generators: pure functions from Istio's security
// policies to Envoy filter configs, and the effective mTLS mode per inbound port.
export { authorizationFilters, applicableAuthorizationPolicies, type AuthzFilters, type AuthzOptions } from "./authorization-filters.js";
export { jwtAuthnFilter, applicableRequestAuthentications } from "./jwt-authn-config.js";
export { effectiveMtlsMode, type EffectiveMtlsMode } from "./peer-authentication.js";
export { policyApplies, type SecurityWorkload } from "./policy-selection.js";
export { inboundSecurityHttpFilters } from "./inbound-filters.js";
