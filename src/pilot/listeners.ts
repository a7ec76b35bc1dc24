// Sidecar listeners: outbound per service port (HTTP: `0.0.0.0_<port>` with RDS "<port>"; TCP/TLS:
// `<VIP>_<port>` with tcp_proxy or VirtualService TCP/TLS chains), virtualOutbound on 15001 and
// virtualInbound on 15006 (per-port inbound listeners on the pod address in interception NONE).
//
// Ports whose protocol Istio detects at run time (no protocol in the name or appProtocol) get
// Istio's sniffing listener: the HTTP inspector sends HTTP/1.1 and h2c to the port's routes, the
// rest to the TCP chains.
import { isHttpProtocol, isTlsProtocol, type MeshService, type ServicePortInfo } from "../registry/index.js";
import {
  BLACKHOLE_CLUSTER, dedupeFilterChains, HTTP_INSPECTOR_TYPE, INBOUND_PASSTHROUGH_CLUSTER, inboundClusterName, ORIGINAL_DST_TYPE, outboundClusterName, PASSTHROUGH_CLUSTER, socketAddress, tcpProxyFilter, TLS_INSPECTOR_TYPE, type EnvoyJson,
} from "./envoy.js";
import { egressListenerResources } from "./egress-listeners.js";
import { httpConnectionManager } from "./filters.js";
import { hostMatches } from "./hosts.js";
import type { RouteContext } from "./http-route.js";
import { inboundPorts, type InboundPort } from "./inbound-ports.js";
import { HTTP_PROXY_ROUTE, isSniffed, outboundHttpPorts } from "./routes.js";
import { proxyHeadersFor, type ProxyScope } from "./scope.js";
import type { ProxyHeaderOptions } from "./proxy-config.js";
import { l4FilterChains } from "./tcp-routes.js";

export const VIRTUAL_OUTBOUND = "virtualOutbound";
export const VIRTUAL_INBOUND = "virtualInbound";

function outboundListener(name: string, address: string, port: number, chains: EnvoyJson[], tls: boolean, sniff = false): EnvoyJson {
  const l: EnvoyJson = { name, address: socketAddress(address, port), filter_chains: dedupeFilterChains(chains), traffic_direction: "OUTBOUND" };
  // Captured traffic reaches these through virtualOutbound's original destination hand-off
  // (interception NONE binds them on the pod address instead: see bindOnPodAddress).
  l["bind_to_port"] = false;
  const filters: EnvoyJson[] = [];
  if (tls || sniff) filters.push({ name: "envoy.filters.listener.tls_inspector", typed_config: { "@type": TLS_INSPECTOR_TYPE } });
  if (sniff) filters.push({ name: "envoy.filters.listener.http_inspector", typed_config: { "@type": HTTP_INSPECTOR_TYPE } });
  if (filters.length > 0) l["listener_filters"] = filters;
  return l;
}

function httpOutboundListeners(scope: ProxyScope): EnvoyJson[] {
  return outboundHttpPorts(scope).map((port) =>
    outboundListener(`0.0.0.0_${port}`, "0.0.0.0", port, [{ filters: [httpConnectionManager(`outbound_0.0.0.0_${port}`, { rds: String(port) }, proxyHeadersFor(scope, "outbound"))] }], false),
  );
}

function tcpOutboundListener(scope: ProxyScope, svc: MeshService, sp: ServicePortInfo): EnvoyJson | undefined {
  const { proxy, push } = scope;
  const address = svc.address ?? "0.0.0.0";
  const name = `${address}_${sp.port}`;
  const statPrefix = outboundClusterName(sp.port, "", svc.hostname);
  const ctx: RouteContext = { push, gateway: "mesh", port: sp.port, sourceLabels: proxy.labels, sourceNamespace: proxy.namespace, proxyNamespace: proxy.namespace };
  const vss = scope.meshVirtualServices.filter((v) => v.hosts.some((h) => hostMatches(h, svc.hostname)));
  const { chains, fallback } = l4FilterChains(vss, ctx, statPrefix);
  const passthrough = svc.resolution === "PASSTHROUGH" && svc.address === undefined;
  const defaultFilter = fallback ?? tcpProxyFilter(statPrefix, passthrough && svc.hostname.startsWith("*") ? PASSTHROUGH_CLUSTER : outboundClusterName(sp.port, "", svc.hostname));
  chains.push({ filters: [defaultFilter] });
  const sniff = isSniffed(sp.protocol);
  if (sniff) {
    chains.unshift({
      filter_chain_match: { application_protocols: ["http/1.1", "h2c"] },
      filters: [httpConnectionManager(`outbound_${address}_${sp.port}`, { rds: String(sp.port) }, proxyHeadersFor(scope, "outbound"))],
    });
  }
  const sni = chains.some((c) => (c["filter_chain_match"] as EnvoyJson | undefined)?.["server_names"] !== undefined);
  return outboundListener(name, address, sp.port, chains, sni || isTlsProtocol(sp.protocol), sniff);
}

function tcpOutboundListeners(scope: ProxyScope): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  const names = new Set<string>();
  for (const svc of scope.services) {
    for (const sp of svc.ports) {
      if (isHttpProtocol(sp.protocol) || sp.protocol === "UDP") continue;
      const l = tcpOutboundListener(scope, svc, sp);
      if (!l || names.has(l["name"] as string)) continue; // the first service claims a shared address
      names.add(l["name"] as string);
      out.push(l);
    }
  }
  return out;
}

export function virtualOutboundListener(scope: ProxyScope): EnvoyJson {
  const cluster = scope.outboundMode === "REGISTRY_ONLY" ? BLACKHOLE_CLUSTER : PASSTHROUGH_CLUSTER;
  return {
    name: VIRTUAL_OUTBOUND,
    address: socketAddress("0.0.0.0", scope.push.mesh.proxyListenPort ?? 15001),
    use_original_dst: true,
    traffic_direction: "OUTBOUND",
    filter_chains: [{ name: "virtualOutbound-catchall-tcp", filters: [tcpProxyFilter(cluster, cluster)] }],
  };
}

function inboundChain(p: InboundPort, headers: ProxyHeaderOptions): EnvoyJson {
  const cluster = inboundClusterName(p.port);
  if (!isHttpProtocol(p.protocol)) return { name: cluster, filter_chain_match: { destination_port: p.port }, filters: [tcpProxyFilter(cluster, cluster)] };
  const routeConfig = {
    name: cluster,
    virtual_hosts: [{ name: `inbound|http|${p.port}`, domains: ["*"], routes: [{ name: "default", match: { prefix: "/" }, route: { cluster, timeout: "0s" } }] }],
    validate_clusters: false,
  };
  return { name: cluster, filter_chain_match: { destination_port: p.port }, filters: [httpConnectionManager(`inbound_0.0.0.0_${p.port}`, { inline: routeConfig }, headers)] };
}

export function inboundListeners(scope: ProxyScope): EnvoyJson[] {
  const ports = inboundPorts(scope);
  const headers = proxyHeadersFor(scope, "inbound");
  if (scope.proxy.interceptionMode === "NONE") {
    return ports.map((p) => {
      const ip = p.bind ?? scope.proxy.ip;
      return { name: `${ip}_${p.port}`, address: socketAddress(ip, p.port), traffic_direction: "INBOUND", filter_chains: [inboundChain(p, headers)] };
    });
  }
  const chains = ports.map((p) => inboundChain(p, headers));
  chains.push({ name: "virtualInbound", filters: [tcpProxyFilter(INBOUND_PASSTHROUGH_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER)] });
  return [{
    name: VIRTUAL_INBOUND,
    address: socketAddress("0.0.0.0", scope.push.mesh.proxyInboundListenPort ?? 15006),
    traffic_direction: "INBOUND",
    listener_filters: [{ name: "envoy.filters.listener.original_dst", typed_config: { "@type": ORIGINAL_DST_TYPE } }],
    filter_chains: chains,
  }];
}

/**
 * The forward proxy for apps that set HTTP_PROXY (how interception NONE reaches the mesh without
 * iptables): on the pod's own address in NONE mode, else on 127.0.0.1, as Istio's proxyHttpPort.
 */
export function httpProxyListener(scope: ProxyScope, port: number): EnvoyJson {
  const address = scope.proxy.interceptionMode === "NONE" ? scope.proxy.ip : "127.0.0.1";
  return {
    name: `${address}_${port}`,
    address: socketAddress(address, port),
    traffic_direction: "OUTBOUND",
    filter_chains: [{ filters: [httpConnectionManager(`outbound_${address}_${port}`, { rds: HTTP_PROXY_ROUTE }, proxyHeadersFor(scope, "outbound"), { allowAbsoluteUrl: true })] }],
  };
}

/** The forward-proxy port: node metadata HTTP_PROXY_PORT, else MeshConfig proxyHttpPort; 0 = none. */
export function httpProxyPort(scope: ProxyScope): number {
  return scope.proxy.httpProxyPort ?? scope.push.mesh.proxyHttpPort ?? 0;
}

export function sidecarListeners(scope: ProxyScope): EnvoyJson[] {
  // Explicit egress listeners first: a generated listener of the same name gives way to them.
  const out = egressListenerResources(scope).listeners;
  const taken = new Set(out.map((l) => l["name"]));
  const generated = [...httpOutboundListeners(scope), ...tcpOutboundListeners(scope)].filter((l) => !taken.has(l["name"]));
  if (scope.proxy.interceptionMode !== "NONE") out.push(virtualOutboundListener(scope));
  const inbound = inboundListeners(scope);
  const proxyPort = httpProxyPort(scope);
  const fixed = proxyPort > 0 ? [...inbound, httpProxyListener(scope, proxyPort)] : inbound;
  if (scope.proxy.interceptionMode === "NONE") bindOnPodAddress(scope, generated, [...out, ...fixed]);
  return [...out, ...generated, ...fixed];
}

function boundKey(l: EnvoyJson): string | undefined {
  if (l["bind_to_port"] === false) return undefined;
  const sa = (l["address"] as EnvoyJson | undefined)?.["socket_address"] as EnvoyJson | undefined;
  return `${String(sa?.["address"])}:${String(sa?.["port_value"])}`;
}

/**
 * Interception NONE captures nothing, so the app dials its sidecar directly: each generated
 * outbound listener binds on the pod's own address at its port, unless that address and port are
 * already bound (an inbound port, the forward proxy, an egress listener, or an earlier service on
 * the port) — then it stays unbound rather than collide.
 */
function bindOnPodAddress(scope: ProxyScope, generated: EnvoyJson[], bound: readonly EnvoyJson[]): void {
  const used = new Set(bound.map(boundKey).filter((k): k is string => k !== undefined));
  for (const l of generated) {
    const port = ((l["address"] as EnvoyJson)["socket_address"] as EnvoyJson)["port_value"] as number;
    const key = `${scope.proxy.ip}:${port}`;
    if (used.has(key)) continue;
    used.add(key);
    l["address"] = socketAddress(scope.proxy.ip, port);
    delete l["bind_to_port"];
  }
}
