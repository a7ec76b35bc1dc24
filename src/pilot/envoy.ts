// Small builders for Envoy JSON shared by the generators.
import { parseDurationNanos } from "../config/schema/index.js";
import type { EnvoyJson } from "../proxy/contracts.js";

export type { EnvoyJson };

export const TYPE_PREFIX = "type.googleapis.com/";
export const HCM_TYPE = `${TYPE_PREFIX}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`;
export const TCP_PROXY_TYPE = `${TYPE_PREFIX}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`;
export const ROUTER_TYPE = `${TYPE_PREFIX}envoy.extensions.filters.http.router.v3.Router`;
export const FAULT_TYPE = `${TYPE_PREFIX}envoy.extensions.filters.http.fault.v3.HTTPFault`;
export const CORS_TYPE = `${TYPE_PREFIX}envoy.extensions.filters.http.cors.v3.Cors`;
export const CORS_POLICY_TYPE = `${TYPE_PREFIX}envoy.extensions.filters.http.cors.v3.CorsPolicy`;
export const UPSTREAM_TLS_TYPE = `${TYPE_PREFIX}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`;
export const DOWNSTREAM_TLS_TYPE = `${TYPE_PREFIX}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`;
export const HTTP_PROTOCOL_OPTIONS_TYPE = `${TYPE_PREFIX}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`;
export const PREVIOUS_HOSTS_TYPE = `${TYPE_PREFIX}envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate`;
export const TLS_INSPECTOR_TYPE = `${TYPE_PREFIX}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector`;
export const HTTP_INSPECTOR_TYPE = `${TYPE_PREFIX}envoy.extensions.filters.listener.http_inspector.v3.HttpInspector`;
export const ORIGINAL_DST_TYPE = `${TYPE_PREFIX}envoy.extensions.filters.listener.original_dst.v3.OriginalDst`;

/** Istio duration text ("1.5s", "100ms", "1h") → Envoy JSON duration ("1.500s"); undefined when malformed. */
export function envoyDuration(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const ns = parseDurationNanos(text);
  if (ns === undefined) return undefined;
  const seconds = Math.round(ns) / 1e9;
  return `${Number(seconds.toFixed(9))}s`;
}

/** Percent (0–100, fractional) as an Envoy FractionalPercent over a million, as Istio writes it. */
export function fractionalPercent(percent: number): EnvoyJson {
  const clamped = Math.min(100, Math.max(0, percent));
  return { numerator: Math.round(clamped * 10000), denominator: "MILLION" };
}

export function socketAddress(address: string, port: number): EnvoyJson {
  return { socket_address: { address, port_value: port } };
}

/** An ADS-sourced config source, for EDS, RDS and SDS. */
export function adsConfigSource(): EnvoyJson {
  return { ads: {}, resource_api_version: "V3" };
}

export function tcpProxyFilter(statPrefix: string, cluster: string | { name: string; weight: number }[]): EnvoyJson {
  const route = typeof cluster === "string" ? { cluster } : { weighted_clusters: { clusters: cluster } };
  return {
    name: "envoy.filters.network.tcp_proxy",
    typed_config: { "@type": TCP_PROXY_TYPE, stat_prefix: statPrefix, ...route },
  };
}

/** Istio's cluster names: `outbound|<port>|<subset>|<host>`. */
export function outboundClusterName(port: number, subset: string, host: string): string {
  return `outbound|${port}|${subset}|${host}`;
}

export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
}

export const PASSTHROUGH_CLUSTER = "PassthroughCluster";
export const BLACKHOLE_CLUSTER = "BlackHoleCluster";
export const INBOUND_PASSTHROUGH_CLUSTER = "InboundPassthroughCluster";

/**
 * Drops filter chains whose filter_chain_match repeats an earlier one: Envoy rejects a listener
 * with two chains of identical match rules, and the first one is the one Istio keeps.
 */
export function dedupeFilterChains(chains: readonly EnvoyJson[]): EnvoyJson[] {
  const seen = new Set<string>();
  return chains.filter((c) => {
    const key = JSON.stringify(c["filter_chain_match"] ?? {});
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
