// Gateway proxies ("router"): a listener per Gateway server port, HTTP route configs named
// `http.<port>` (HTTPS: `https.<port>.<portName>.<gateway>.<ns>`) from the VirtualServices bound to
// the gateway with hosts intersected with the server's, TLS termination with SDS credentials
// (`kubernetes://<credentialName>`), TLS passthrough by SNI and TCP servers.
import type { Gateway, GatewayServer } from "../config/kinds/networking/index.js";
import { isHttpProtocol, parseProtocol } from "../registry/index.js";
import { adsConfigSource, dedupeFilterChains, DOWNSTREAM_TLS_TYPE, socketAddress, TLS_INSPECTOR_TYPE, type EnvoyJson } from "./envoy.js";
import { httpConnectionManager } from "./filters.js";
import { hostsIntersect, narrowerHost } from "./hosts.js";
import type { RouteContext } from "./http-route.js";
import type { IndexedVirtualService } from "./push-context.js";
import { numTrustedProxies, type ProxyHeaderOptions } from "./proxy-config.js";
import { includeAttemptCount, proxyHeadersFor, type ProxyScope } from "./scope.js";
import { l4FilterChains } from "./tcp-routes.js";
import { dedupeDomains, virtualServiceRoutes } from "./virtual-hosts.js";

interface BoundServer {
  readonly gateway: Gateway;
  readonly gatewayName: string; // "ns/name"
  readonly server: GatewayServer;
}

function serverHost(h: string, gwNs: string): { ns: string; host: string } {
  const slash = h.indexOf("/");
  if (slash < 0) return { ns: "*", host: h };
  const ns = h.slice(0, slash);
  return { ns: ns === "." ? gwNs : ns, host: h.slice(slash + 1) };
}

function isTerminatedTls(s: GatewayServer): boolean {
  const mode = s.tls?.mode;
  return s.tls !== undefined && mode !== undefined && mode !== "PASSTHROUGH" && mode !== "AUTO_PASSTHROUGH";
}

function boundServers(scope: ProxyScope): Map<number, BoundServer[]> {
  const byPort = new Map<number, BoundServer[]>();
  for (const gw of scope.push.gatewaysFor(scope.proxy.labels)) {
    const name = `${gw.metadata.namespace ?? "default"}/${gw.metadata.name}`;
    for (const server of gw.spec.servers ?? []) {
      const port = server.port.number;
      if (port === undefined) continue;
      const list = byPort.get(port) ?? [];
      list.push({ gateway: gw, gatewayName: name, server });
      byPort.set(port, list);
    }
  }
  return byPort;
}

/** VirtualServices bound to the server's gateway, with the hosts they share with the server. */
function boundVirtualServices(scope: ProxyScope, b: BoundServer): { vs: IndexedVirtualService; hosts: string[] }[] {
  const gwNs = b.gateway.metadata.namespace ?? "default";
  const out: { vs: IndexedVirtualService; hosts: string[] }[] = [];
  for (const v of scope.push.virtualServicesFor(b.gatewayName, scope.proxy.namespace)) {
    const hosts = new Set<string>();
    for (const sh of b.server.hosts.map((h) => serverHost(h, gwNs))) {
      if (sh.ns !== "*" && sh.ns !== v.namespace) continue;
      for (const h of v.hosts) if (hostsIntersect(h, sh.host)) hosts.add(narrowerHost(h, sh.host));
    }
    if (hosts.size > 0) out.push({ vs: v, hosts: [...hosts] });
  }
  return out;
}

function routeContext(scope: ProxyScope, b: BoundServer, port: number): RouteContext {
  const p = scope.proxy;
  return { push: scope.push, gateway: b.gatewayName, port, sourceLabels: p.labels, sourceNamespace: p.namespace, proxyNamespace: p.namespace };
}

/**
 * One virtual host per host on the port. Several VirtualServices bound to the gateway for the same
 * host are merged as Istio merges them on gateways: their routes follow one another in
 * VirtualService order (the mesh gateway does not merge: IST0109).
 */
function gatewayVirtualHosts(scope: ProxyScope, servers: readonly BoundServer[], port: number): EnvoyJson[] {
  const byHost = new Map<string, EnvoyJson>();
  const attemptCount = includeAttemptCount(scope);
  for (const b of servers) {
    const ctx = routeContext(scope, b, port);
    const redirect = b.server.tls?.httpsRedirect === true;
    for (const { vs, hosts } of boundVirtualServices(scope, b)) {
      const routes = virtualServiceRoutes(vs, ctx);
      for (const host of hosts) {
        const existing = byHost.get(host);
        if (existing !== undefined) {
          existing["routes"] = [...(existing["routes"] as EnvoyJson[]), ...routes];
          if (redirect) existing["require_tls"] = "ALL";
          continue;
        }
        const vh: EnvoyJson = { name: `${host}:${port}`, domains: host === "*" ? ["*"] : [host, `${host}:${port}`], routes, include_request_attempt_count: attemptCount };
        if (redirect) vh["require_tls"] = "ALL";
        byHost.set(host, vh);
      }
    }
  }
  const deduped = dedupeDomains([...byHost.values()]);
  if (deduped.length === 0) {
    deduped.push({ name: "blackhole:" + port, domains: ["*"], routes: [{ name: "default", match: { prefix: "/" }, direct_response: { status: 404 } }] });
  }
  return deduped;
}

function downstreamTls(s: GatewayServer): EnvoyJson {
  const tls = s.tls ?? {};
  const common: EnvoyJson = { alpn_protocols: ["h2", "http/1.1"] };
  if (tls.mode === "ISTIO_MUTUAL") {
    // Mesh-internal gateways (east-west): the workload certificate and the mesh root over SDS.
    common["tls_certificate_sds_secret_configs"] = [{ name: "default", sds_config: adsConfigSource() }];
    common["validation_context_sds_secret_config"] = { name: "ROOTCA", sds_config: adsConfigSource() };
  } else if (tls.credentialName) {
    common["tls_certificate_sds_secret_configs"] = [{ name: `kubernetes://${tls.credentialName}`, sds_config: adsConfigSource() }];
    if (tls.mode === "MUTUAL") common["validation_context_sds_secret_config"] = { name: `kubernetes://${tls.credentialName}-cacert`, sds_config: adsConfigSource() };
  } else if (tls.serverCertificate && tls.privateKey) {
    common["tls_certificates"] = [{ certificate_chain: { filename: tls.serverCertificate }, private_key: { filename: tls.privateKey } }];
    if (tls.mode === "MUTUAL" && tls.caCertificates) common["validation_context"] = { trusted_ca: { filename: tls.caCertificates } };
  }
  const ctx: EnvoyJson = { "@type": DOWNSTREAM_TLS_TYPE, common_tls_context: common };
  if (tls.mode === "MUTUAL" || tls.mode === "ISTIO_MUTUAL") ctx["require_client_certificate"] = true;
  return { name: "envoy.transport_sockets.tls", typed_config: ctx };
}

function serverNames(s: GatewayServer): string[] | undefined {
  const names = s.hosts.map((h) => serverHost(h, "").host).filter((h) => h !== "*");
  return names.length > 0 ? names : undefined;
}

export function httpsRouteName(port: number, b: BoundServer): string {
  const [ns, name] = b.gatewayName.split("/");
  return `https.${port}.${b.server.port.name ?? ""}.${name ?? ""}.${ns ?? ""}`;
}

export interface GatewayOutput {
  listeners: EnvoyJson[];
  routes: EnvoyJson[];
}

/**
 * Istio's gateway HTTP connection manager: the client address comes from the connection
 * (use_remote_address) and x-forwarded-for is trusted for the proxies in front of the gateway,
 * ProxyConfig gatewayTopology.numTrustedProxies (xff_num_trusted_hops): the gateway pod's
 * `proxy.istio.io/config` annotation, else the mesh's defaultConfig.
 */
function gatewayHcm(port: number, rds: string, trustedHops: number, headers: ProxyHeaderOptions): EnvoyJson {
  const filter = httpConnectionManager(`outbound_0.0.0.0_${port}`, { rds }, headers);
  const hcm = filter["typed_config"] as EnvoyJson;
  hcm["use_remote_address"] = true;
  if (trustedHops > 0) hcm["xff_num_trusted_hops"] = trustedHops;
  return filter;
}

export function gatewayResources(scope: ProxyScope): GatewayOutput {
  const trustedHops = numTrustedProxies(scope.proxy.proxyConfig, scope.push.mesh.defaultConfig?.gatewayTopology);
  const headers = proxyHeadersFor(scope, "gateway");
  const out: GatewayOutput = { listeners: [], routes: [] };
  for (const [port, servers] of [...boundServers(scope)].sort((a, b) => a[0] - b[0])) {
    const chains: EnvoyJson[] = [];
    let tlsInspector = false;
    const plainHttp = servers.filter((b) => isHttpProtocol(parseProtocol(b.server.port.protocol)) && !isTerminatedTls(b.server));
    if (plainHttp.length > 0) {
      const name = `http.${port}`;
      out.routes.push({ name, virtual_hosts: gatewayVirtualHosts(scope, plainHttp, port), validate_clusters: false });
      chains.push({ filters: [gatewayHcm(port, name, trustedHops, headers)] });
    }
    for (const b of servers) {
      const protocol = parseProtocol(b.server.port.protocol);
      if (isTerminatedTls(b.server) && (protocol === "HTTPS" || isHttpProtocol(protocol))) {
        const name = httpsRouteName(port, b);
        out.routes.push({ name, virtual_hosts: gatewayVirtualHosts(scope, [b], port), validate_clusters: false });
        const match: EnvoyJson = {};
        const sni = serverNames(b.server);
        if (sni) match["server_names"] = sni;
        chains.push({ filter_chain_match: match, transport_socket: downstreamTls(b.server), filters: [gatewayHcm(port, name, trustedHops, headers)] });
        tlsInspector = true;
      } else if (!isHttpProtocol(protocol)) {
        const vss = boundVirtualServices(scope, b).map((x) => x.vs);
        const { chains: l4, fallback } = l4FilterChains(vss, routeContext(scope, b, port), `outbound_0.0.0.0_${port}`);
        chains.push(...l4);
        if (fallback) chains.push({ filters: [fallback] });
        if (protocol === "TLS" || protocol === "HTTPS") tlsInspector = true;
      }
    }
    if (chains.length === 0) continue;
    const listener: EnvoyJson = { name: `0.0.0.0_${port}`, address: socketAddress("0.0.0.0", port), filter_chains: dedupeFilterChains(chains), traffic_direction: "OUTBOUND" };
    if (tlsInspector) listener["listener_filters"] = [{ name: "envoy.filters.listener.tls_inspector", typed_config: { "@type": TLS_INSPECTOR_TYPE } }];
    out.listeners.push(listener);
  }
  return out;
}
