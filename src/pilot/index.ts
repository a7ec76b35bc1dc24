// The control plane's translation: PushContext and the pure generators (proxy, push) → Envoy JSON.
export { PushContext, qualifyGateway, type IndexedVirtualService } from "./push-context.js";
export { nodeId, parseNodeId, proxyFromNode, ProxyErrorCode, type InterceptionMode, type ParsedNodeId, type Proxy, type ProxyType } from "./proxy.js";
export { generateProxyResources, type ProxyResources } from "./generate.js";
export { buildScope, type OutboundMode, type ProxyScope } from "./scope.js";
export { hostMatches, resolveHost } from "./hosts.js";
export { DEFAULT_RETRY_ON } from "./route-policies.js";
export { BLACKHOLE_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER, PASSTHROUGH_CLUSTER, inboundClusterName, outboundClusterName } from "./envoy.js";
export { TrafficSimulator, type SimRequest, type SimResult } from "./simulate/index.js";
export { EncodeCache, toXdsResources } from "./xds-resources.js";
export { PilotXdsGenerator } from "./xds-generator.js";
// The generator's parts, for callers that share outbound resources across alike proxies.
export { fixedClusters, inboundClusters, outboundClusters } from "./clusters.js";
export { loadAssignments } from "./endpoints.js";
export { sidecarListeners } from "./listeners.js";
export { sidecarRouteConfigs } from "./routes.js";
export { gatewayResources } from "./gateway.js";
