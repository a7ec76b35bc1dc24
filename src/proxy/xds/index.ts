// The proxy's xDS edge: bootstrap loading and the ADS client. The ADS client pulls in gRPC and
// Envoy's protos: code that a static proxy runs imports the module files it needs, not this index.
export { loadBootstrap, parseBootstrap } from "./bootstrap.js";
export { loadBootstrapIsolated } from "./bootstrap-isolated.js";
export { adsTargetOf, type AdsTarget } from "./bootstrap-checks.js";
export { AdsClient, type AdsClientOptions, type ResourceApplier } from "./ads-client.js";
export type { DecodedResource, ResourceError } from "./ads-decode.js";
export type { ClientTypeSnapshot } from "./ads-client-state.js";
