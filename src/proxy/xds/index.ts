// The proxy's xDS edge: bootstrap loading and the ADS client.
export { loadBootstrap, parseBootstrap } from "./bootstrap.js";
export { adsTargetOf, type AdsTarget } from "./bootstrap-checks.js";
export { AdsClient, type AdsClientOptions, type ResourceApplier } from "./ads-client.js";
export type { DecodedResource, ResourceError } from "./ads-decode.js";
export type { ClientTypeSnapshot } from "./ads-client-state.js";
