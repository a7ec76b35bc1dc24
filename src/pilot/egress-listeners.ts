// Sidecar egress listeners with a port and captureMode NONE (or any, for a pod in interception
// NONE): a listener bound where the app dials — the entry's `bind`, else 127.0.0.1 or the pod's own
// address — for the services its hosts import, so apps reach the mesh without iptables. Captured traffic
// needs none: the generated per-port listeners already serve it, limited to the egress hosts.
import { isHttpProtocol, parseProtocol } from "../registry/index.js";
import { outboundClusterName, socketAddress, tcpProxyFilter, type EnvoyJson } from "./envoy.js";
import { httpConnectionManager } from "./filters.js";
import type { RouteContext } from "./http-route.js";
import { imported, includeAttemptCount, parseEgressHosts, proxyHeadersFor, type ProxyScope } from "./scope.js";
import { catchAllVirtualHost, dedupeDomains, defaultRoute, serviceDomains, virtualServiceRoutes } from "./virtual-hosts.js";

export interface EgressResources {
  listeners: EnvoyJson[];
  routes: EnvoyJson[];
}

export function egressListenerResources(scope: ProxyScope): EgressResources {
  const out: EgressResources = { listeners: [], routes: [] };
  const { proxy, push } = scope;
  for (const e of scope.sidecar?.spec.egress ?? []) {
    const port = e.port?.number;
    if (port === undefined || port === 0) continue;
    if (e.captureMode !== "NONE" && proxy.interceptionMode !== "NONE") continue;
    // Istio binds captureMode NONE listeners on 127.0.0.1; a pod in interception NONE has its own
    // address (pods share the host's loopback), so they bind there. Such a pod's egress ports must
    // differ from its inbound ports, which bind on the same address.
    const bind = e.bind ?? (proxy.interceptionMode === "NONE" ? proxy.ip : "127.0.0.1");
    const name = `${bind}_${port}`;
    const hosts = parseEgressHosts(e.hosts, proxy.namespace);
    const services = scope.services.filter((s) => imported(hosts, s.namespace, s.hostname) && s.ports.some((p) => p.port === port));
    const listener: EnvoyJson = { name, address: socketAddress(bind, port), traffic_direction: "OUTBOUND" };
    if (isHttpProtocol(parseProtocol(e.port?.protocol))) {
      // Named without the pod address so alike pods can share their route configurations.
      const routeName = e.bind ? name : `egress_${port}`;
      const ctx: RouteContext = { push, gateway: "mesh", port, sourceLabels: proxy.labels, sourceNamespace: proxy.namespace, proxyNamespace: proxy.namespace };
      const attemptCount = includeAttemptCount(scope);
      const vhosts: EnvoyJson[] = services.map((svc) => {
        const vs = scope.meshVirtualServiceIndex.forHost(svc.hostname);
        return { name: `${svc.hostname}:${port}`, domains: serviceDomains(svc, port, proxy.namespace, push.domainSuffix), routes: vs ? virtualServiceRoutes(vs, ctx) : [defaultRoute(svc.hostname, port, ctx)], include_request_attempt_count: attemptCount };
      });
      vhosts.push(catchAllVirtualHost(scope));
      out.routes.push({ name: routeName, virtual_hosts: dedupeDomains(vhosts), validate_clusters: false });
      listener["filter_chains"] = [{ filters: [httpConnectionManager(`outbound_${name}`, { rds: routeName }, proxyHeadersFor(scope, "outbound"))] }];
    } else {
      const first = services[0];
      const cluster = first ? outboundClusterName(port, "", first.hostname) : "BlackHoleCluster";
      listener["filter_chains"] = [{ filters: [tcpProxyFilter(cluster, cluster)] }];
    }
    out.listeners.push(listener);
  }
  return out;
}
