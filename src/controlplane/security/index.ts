// Security in the control plane: the CA and CSR service, authenticated ADS on the secure port,
// per-pod bootstrap tokens for the local platform.
export { startSecureEndpoint, ROOT_ROTATION_SIGNAL, type SecureEndpoint, type SecureEndpointOptions } from "./secure-endpoint.js";
export { RootRotation, nextRotationStep, type RotationOutcome, type RotationStep } from "./root-rotation-steps.js";
export { addAuthenticatedAds, type AdsAuthEvent } from "./authenticated-ads.js";
export { issuePodToken, type PodIdentity } from "./pod-tokens.js";
