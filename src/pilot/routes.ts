// Sidecar RouteConfigurations: one per HTTP service port, named "<port>", with a virtual host per
// visible service and the catch-all allow_any / block_all per outbound traffic policy.
import { isHttpProtocol } from "../registry/index.js";
import { PASSTHROUGH_CLUSTER, type EnvoyJson } from "./envoy.js";
import type { RouteContext } from "./http-route.js";
import type { ProxyScope } from "./scope.js";
import { dedupeDomains, defaultRoute, serviceDomains, virtualServiceForHost, virtualServiceRoutes } from "./virtual-hosts.js";

/** The HTTP ports of the services a proxy sees (each gets a listener and a route config). */
export function outboundHttpPorts(scope: ProxyScope): number[] {
  const ports = new Set<number>();
  for (const s of scope.services) for (const p of s.ports) if (isHttpProtocol(p.protocol)) ports.add(p.port);
  return [...ports].sort((a, b) => a - b);
}

export function catchAllVirtualHost(scope: ProxyScope): EnvoyJson {
  if (scope.outboundMode === "REGISTRY_ONLY") {
    return { name: "block_all", domains: ["*"], routes: [{ name: "block_all", match: { prefix: "/" }, direct_response: { status: 502 } }] };
  }
  return {
    name: "allow_any",
    domains: ["*"],
    routes: [{ name: "allow_any", match: { prefix: "/" }, route: { cluster: PASSTHROUGH_CLUSTER, timeout: "0s" } }],
  };
}

export function sidecarRouteConfig(scope: ProxyScope, port: number): EnvoyJson {
  const { proxy, push } = scope;
  const ctx: RouteContext = { push, gateway: "mesh", port, sourceLabels: proxy.labels, sourceNamespace: proxy.namespace, proxyNamespace: proxy.namespace };
  const vhosts: EnvoyJson[] = [];
  for (const svc of scope.services) {
    if (!svc.ports.some((p) => p.port === port && isHttpProtocol(p.protocol))) continue;
    const vs = virtualServiceForHost(scope.meshVirtualServices, svc.hostname);
    const routes = vs ? virtualServiceRoutes(vs, ctx) : [defaultRoute(svc.hostname, port, ctx)];
    vhosts.push({ name: `${svc.hostname}:${port}`, domains: serviceDomains(svc, port, proxy.namespace, push.domainSuffix), routes, include_request_attempt_count: true });
  }
  vhosts.push(catchAllVirtualHost(scope));
  return { name: String(port), virtual_hosts: dedupeDomains(vhosts), validate_clusters: false };
}

export function sidecarRouteConfigs(scope: ProxyScope): EnvoyJson[] {
  return outboundHttpPorts(scope).map((p) => sidecarRouteConfig(scope, p));
}
