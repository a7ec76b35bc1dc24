// The ADS server core the control plane builds on.
export { AdsServer, type AdsServerOptions, type ConnectionStatus } from "./ads-server.js";
export { SnapshotCache, matchesSubscription, type ProxyInfo, type ResourceGenerator, type Subscription } from "./source.js";
export { contentVersion, rawResource, resourceFromEnvoyJson, resourceNameOf, setVersion, type XdsResource } from "./resource.js";
export type { NackRecord, SyncStatus, TypeTrackingSnapshot } from "./tracking.js";
