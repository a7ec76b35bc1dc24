// Network filters the generators use: the HTTP connection manager (RDS or inline routes, with the
// fault, CORS and router HTTP filters) and TCP proxies.
import { adsConfigSource, CORS_TYPE, FAULT_TYPE, HCM_TYPE, ROUTER_TYPE, type EnvoyJson } from "./envoy.js";
import type { ProxyHeaderOptions } from "./proxy-config.js";

function httpFilters(suppressEnvoyHeaders: boolean): EnvoyJson[] {
  return [
    { name: "envoy.filters.http.fault", typed_config: { "@type": FAULT_TYPE } },
    { name: "envoy.filters.http.cors", typed_config: { "@type": CORS_TYPE } },
    { name: "envoy.filters.http.router", typed_config: { "@type": ROUTER_TYPE, ...(suppressEnvoyHeaders ? { suppress_envoy_headers: true } : {}) } },
  ];
}

/**
 * An HCM reading its routes over RDS (`routeName`) or carrying them inline, with the proxy
 * headers Istio sets for its listener (`proxyHeaderOptions`).
 */
export function httpConnectionManager(statPrefix: string, routes: { rds: string } | { inline: EnvoyJson }, headers: ProxyHeaderOptions, options: { allowAbsoluteUrl?: boolean } = {}): EnvoyJson {
  const hcm: EnvoyJson = {
    "@type": HCM_TYPE,
    stat_prefix: statPrefix,
    codec_type: "AUTO",
    use_remote_address: false,
    normalize_path: true,
    http_filters: httpFilters(headers.suppressEnvoyHeaders === true),
  };
  if (headers.serverName !== undefined) hcm["server_name"] = headers.serverName;
  if (headers.serverPassThrough === true) hcm["server_header_transformation"] = "PASS_THROUGH";
  if (headers.noRequestId === true) hcm["generate_request_id"] = false;
  // A forward proxy receives absolute URLs ("GET http://reviews:9080/ HTTP/1.1").
  if (options.allowAbsoluteUrl) hcm["http_protocol_options"] = { allow_absolute_url: true };
  if ("rds" in routes) hcm["rds"] = { route_config_name: routes.rds, config_source: adsConfigSource() };
  else hcm["route_config"] = routes.inline;
  return { name: "envoy.filters.network.http_connection_manager", typed_config: hcm };
}
