// Type URLs and message names of the xDS resource types, in one place.

export const TYPE_URL_PREFIX = "type.googleapis.com/";

export const LISTENER_TYPE = "envoy.config.listener.v3.Listener";
export const ROUTE_TYPE = "envoy.config.route.v3.RouteConfiguration";
export const CLUSTER_TYPE = "envoy.config.cluster.v3.Cluster";
export const ENDPOINT_TYPE = "envoy.config.endpoint.v3.ClusterLoadAssignment";
export const SECRET_TYPE = "envoy.extensions.transport_sockets.tls.v3.Secret";
export const BOOTSTRAP_TYPE = "envoy.config.bootstrap.v3.Bootstrap";

export const LDS_TYPE_URL = TYPE_URL_PREFIX + LISTENER_TYPE;
export const RDS_TYPE_URL = TYPE_URL_PREFIX + ROUTE_TYPE;
export const CDS_TYPE_URL = TYPE_URL_PREFIX + CLUSTER_TYPE;
export const EDS_TYPE_URL = TYPE_URL_PREFIX + ENDPOINT_TYPE;
export const SDS_TYPE_URL = TYPE_URL_PREFIX + SECRET_TYPE;

export const HCM_TYPE_URL =
  TYPE_URL_PREFIX + "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
export const TCP_PROXY_TYPE_URL = TYPE_URL_PREFIX + "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
export const ROUTER_TYPE_URL = TYPE_URL_PREFIX + "envoy.extensions.filters.http.router.v3.Router";
export const UPSTREAM_TLS_TYPE_URL = TYPE_URL_PREFIX + "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";
export const DOWNSTREAM_TLS_TYPE_URL =
  TYPE_URL_PREFIX + "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";

/** Short names used in logs, config_dump and proxy-status. */
export const XDS_SHORT_NAMES: Readonly<Record<string, string>> = {
  [LDS_TYPE_URL]: "LDS",
  [RDS_TYPE_URL]: "RDS",
  [CDS_TYPE_URL]: "CDS",
  [EDS_TYPE_URL]: "EDS",
  [SDS_TYPE_URL]: "SDS",
};

/** Envoy's push order: clusters before their endpoints, listeners before their routes, secrets last. */
export const XDS_PUSH_ORDER: readonly string[] = [CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL, SDS_TYPE_URL];

/** Resource types whose SotW responses are the full set (a missing resource means deleted). */
export const XDS_FULL_STATE_TYPES: ReadonlySet<string> = new Set([LDS_TYPE_URL, CDS_TYPE_URL]);

/** "type.googleapis.com/a.b.C" → "a.b.C". */
export function typeNameOfUrl(typeUrl: string): string {
  const i = typeUrl.lastIndexOf("/");
  return i < 0 ? typeUrl : typeUrl.slice(i + 1);
}

export function typeUrlOf(typeName: string): string {
  return TYPE_URL_PREFIX + (typeName.startsWith(".") ? typeName.slice(1) : typeName);
}

export function shortTypeName(typeUrl: string): string {
  return XDS_SHORT_NAMES[typeUrl] ?? typeNameOfUrl(typeUrl);
}
