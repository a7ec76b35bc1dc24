// Sidecar RouteConfigurations: one per HTTP service port, named "<port>", with a virtual host per
// visible service and the catch-all allow_any / block_all per outbound traffic policy.
import { isHttpProtocol, type Protocol } from "../registry/index.js";
import type { EnvoyJson } from "./envoy.js";
import type { RouteContext } from "./http-route.js";
import { egressListenerResources } from "./egress-listeners.js";
import { includeAttemptCount, type ProxyScope } from "./scope.js";
import { catchAllVirtualHost, dedupeDomains, defaultRoute, serviceDomains, virtualServiceRoutes } from "./virtual-hosts.js";

/** The HTTP ports of the services a proxy sees (each gets a listener and a route config). */
export function outboundHttpPorts(scope: ProxyScope): number[] {
  const ports = new Set<number>();
  for (const s of scope.services) for (const p of s.ports) if (isHttpProtocol(p.protocol)) ports.add(p.port);
  return [...ports].sort((a, b) => a - b);
}

/** Ports whose protocol Istio detects at run time: HTTP goes through the port's routes. */
export function isSniffed(p: Protocol): boolean {
  return p === "UnsupportedProtocol";
}

function servesHttp(p: Protocol): boolean {
  return isHttpProtocol(p) || isSniffed(p);
}

/** Ports with a route configuration: HTTP ports and sniffed ports. */
export function routedPorts(scope: ProxyScope): number[] {
  const ports = new Set<number>();
  for (const s of scope.services) for (const p of s.ports) if (servesHttp(p.protocol)) ports.add(p.port);
  return [...ports].sort((a, b) => a - b);
}


/** Virtual hosts of the services with an HTTP port `port`; `domains` picks which names they answer. */
function serviceVirtualHosts(scope: ProxyScope, port: number, domains: (all: string[]) => string[]): EnvoyJson[] {
  const { proxy, push } = scope;
  const ctx: RouteContext = { push, gateway: "mesh", port, sourceLabels: proxy.labels, sourceNamespace: proxy.namespace, proxyNamespace: proxy.namespace };
  const vhosts: EnvoyJson[] = [];
  const attemptCount = includeAttemptCount(scope);
  for (const svc of scope.services) {
    if (!svc.ports.some((p) => p.port === port && servesHttp(p.protocol))) continue;
    const vs = scope.meshVirtualServiceIndex.forHost(svc.hostname);
    const routes = vs ? virtualServiceRoutes(vs, ctx) : [defaultRoute(svc.hostname, port, ctx)];
    vhosts.push({ name: `${svc.hostname}:${port}`, domains: domains(serviceDomains(svc, port, proxy.namespace, push.domainSuffix)), routes, include_request_attempt_count: attemptCount });
  }
  return vhosts;
}

export function sidecarRouteConfig(scope: ProxyScope, port: number): EnvoyJson {
  const vhosts = serviceVirtualHosts(scope, port, (all) => all);
  vhosts.push(catchAllVirtualHost(scope));
  return { name: String(port), virtual_hosts: dedupeDomains(vhosts), validate_clusters: false };
}

export const HTTP_PROXY_ROUTE = "http_proxy";

/**
 * The forward proxy's routes (Istio's `http_proxy`): every HTTP service port in one table, each
 * name with its port (port 80 also without), since a proxied request names host and port.
 */
export function httpProxyRouteConfig(scope: ProxyScope): EnvoyJson {
  const vhosts: EnvoyJson[] = [];
  for (const port of routedPorts(scope)) {
    vhosts.push(...serviceVirtualHosts(scope, port, (all) => all.filter((d) => d.endsWith(`:${port}`) || port === 80)));
  }
  vhosts.push(catchAllVirtualHost(scope));
  return { name: HTTP_PROXY_ROUTE, virtual_hosts: dedupeDomains(vhosts), validate_clusters: false };
}


/** Route configurations per HTTP port, plus `http_proxy` when the proxy has a forward-proxy port. */
export function sidecarRouteConfigs(scope: ProxyScope): EnvoyJson[] {
  const out = routedPorts(scope).map((p) => sidecarRouteConfig(scope, p));
  out.push(...egressListenerResources(scope).routes);
  if ((scope.proxy.httpProxyPort ?? scope.push.mesh.proxyHttpPort ?? 0) > 0) out.push(httpProxyRouteConfig(scope));
  return out;
}
