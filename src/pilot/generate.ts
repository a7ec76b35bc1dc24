// The generators' entry point: (proxy, pushContext) → every Envoy resource the proxy gets.
import { fixedClusters, inboundClusters, outboundClusters } from "./clusters.js";
import type { EnvoyJson } from "./envoy.js";
import { loadAssignments } from "./endpoints.js";
import { gatewayResources } from "./gateway.js";
import { sidecarListeners } from "./listeners.js";
import type { Proxy } from "./proxy.js";
import type { PushContext } from "./push-context.js";
import { sidecarRouteConfigs } from "./routes.js";
import { buildScope } from "./scope.js";
import { applyMeshSecurity } from "./mtls/index.js";
import { applyMeshTelemetry } from "../telemetry/wiring/mesh-telemetry-pass.js";
import { applyTcpMetadataExchange } from "../telemetry/metadata/metadata-exchange-pass.js";

export interface ProxyResources {
  readonly listeners: EnvoyJson[];
  readonly routes: EnvoyJson[];
  readonly clusters: EnvoyJson[];
  readonly endpoints: EnvoyJson[];
}

export function generateProxyResources(proxy: Proxy, push: PushContext): ProxyResources {
  const scope = buildScope(proxy, push);
  const clusters = [...outboundClusters(scope), ...fixedClusters(scope)];
  if (proxy.type === "router") {
    const gw = gatewayResources(scope);
    const gwEndpoints = loadAssignments(scope, clusters);
    applyMeshSecurity(scope, { listeners: gw.listeners, clusters, endpoints: gwEndpoints }, push.security);
    applyMeshTelemetry(scope, gw.listeners);
    return { listeners: gw.listeners, routes: gw.routes, clusters, endpoints: gwEndpoints };
  }
  const endpoints = loadAssignments(scope, clusters);
  clusters.push(...inboundClusters(scope));
  const listeners = sidecarListeners(scope);
  applyMeshSecurity(scope, { listeners, clusters, endpoints }, push.security);
  applyMeshTelemetry(scope, listeners); // istio.stats, access logs, tracing per Telemetry/MeshConfig
  applyTcpMetadataExchange(scope, listeners); // istio.metadata_exchange on TCP chains, ALPN on inbound mTLS
  return { listeners, routes: sidecarRouteConfigs(scope), clusters, endpoints };
}
