// The Envoy v3 bootstrap of a pod's proxy (sidecar or gateway): the node as Istio's pilot-agent
// describes it (id `sidecar|router~<ip>~<pod>.<ns>~<ns>.svc.cluster.local`, metadata in Istio's
// keys) and ADS to the control plane over plaintext gRPC.
import type { EnvoyJson } from "../../../proxy/contracts.js";

export type ProxyRole = "sidecar" | "router";

export interface ProxyIdentity {
  role: ProxyRole;
  podName: string;
  namespace: string;
  ip: string;
  labels: Record<string, string>;
  /** Pod annotations (prometheus.io/* turn on merging the app's metrics into 15020). */
  annotations?: Record<string, string>;
  serviceAccount: string;
  /** Deployment name (Istio's WORKLOAD_NAME). */
  workloadName: string;
  interceptionMode: "REDIRECT" | "NONE";
  /** NONE: where the app listens (the inbound listeners forward there). */
  inboundAppAddress?: string;
  /** The forward-proxy port the app's HTTP_PROXY points at (0: none). */
  httpProxyPort?: number;
}

export interface BootstrapOptions {
  identity: ProxyIdentity;
  xds: { host: string; port: number };
  admin: { host: string; port: number };
  /** stats_config.stats_matcher (Istio's minimal stats plus the pod's); absent = every stat. `{pod_ip}` in it becomes the pod's address. */
  statsMatcher?: EnvoyJson;
}

/** `{pod_ip}` in every string of `json` replaced by `ip`, as pilot-agent fills the stats patterns. */
function withPodIp(json: EnvoyJson, ip: string): EnvoyJson {
  return JSON.parse(JSON.stringify(json), (_k, v: unknown) => (typeof v === "string" ? v.replaceAll("{pod_ip}", ip) : v)) as EnvoyJson;
}

/** `sidecar~10.1.0.22~reviews-v2-abc.default~default.svc.cluster.local`, as Istio names proxies. */
export function nodeId(id: ProxyIdentity): string {
  return `${id.role}~${id.ip}~${id.podName}.${id.namespace}~${id.namespace}.svc.cluster.local`;
}

/** Node metadata under Istio's keys (strings, as pilot-agent sends them; LABELS as a map). */
export function nodeMetadata(id: ProxyIdentity): Record<string, unknown> {
  const md: Record<string, unknown> = {
    NAME: id.podName,
    NAMESPACE: id.namespace,
    LABELS: { ...id.labels },
    SERVICE_ACCOUNT: id.serviceAccount,
    WORKLOAD_NAME: id.workloadName,
    INTERCEPTION_MODE: id.interceptionMode,
    INSTANCE_IPS: id.ip,
    CLUSTER_ID: "local",
    MESH_ID: "cluster.local",
  };
  if (id.annotations && Object.keys(id.annotations).length > 0) md["ANNOTATIONS"] = { ...id.annotations };
  if (id.inboundAppAddress) md["INBOUND_APP_ADDRESS"] = id.inboundAppAddress;
  if (id.httpProxyPort) md["HTTP_PROXY_PORT"] = String(id.httpProxyPort);
  // A pod with its own network namespace: the app's DNS is captured to the proxy's DNS proxy
  // (ISTIO_META_DNS_CAPTURE), which answers mesh names with their VIPs from NDS.
  if (id.role === "sidecar" && id.interceptionMode === "REDIRECT") {
    md["DNS_CAPTURE"] = "true";
    md["DNS_PROXY_PORT"] = "15053";
  }
  return md;
}

/** The service cluster Istio gives a proxy: `<app label or deployment>.<namespace>`. */
function serviceCluster(id: ProxyIdentity): string {
  return `${id.labels["app"] ?? id.workloadName}.${id.namespace}`;
}

export function proxyBootstrap(o: BootstrapOptions): EnvoyJson {
  const id = o.identity;
  const socket = (host: string, port: number): EnvoyJson => ({ socket_address: { address: host, port_value: port } });
  return {
    node: { id: nodeId(id), cluster: serviceCluster(id), metadata: nodeMetadata(id) },
    admin: { address: socket(o.admin.host, o.admin.port) },
    ...(o.statsMatcher !== undefined ? { stats_config: { stats_matcher: withPodIp(o.statsMatcher, o.identity.ip) } } : {}),
    dynamic_resources: {
      ads_config: { api_type: "GRPC", transport_api_version: "V3", grpc_services: [{ envoy_grpc: { cluster_name: "xds-grpc" } }] },
      cds_config: { ads: {}, resource_api_version: "V3" },
      lds_config: { ads: {}, resource_api_version: "V3" },
    },
    static_resources: {
      clusters: [{
        name: "xds-grpc",
        type: "STATIC",
        connect_timeout: "1s",
        typed_extension_protocol_options: {
          "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
            "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            explicit_http_config: { http2_protocol_options: {} },
          },
        },
        load_assignment: { cluster_name: "xds-grpc", endpoints: [{ lb_endpoints: [{ endpoint: { address: socket(o.xds.host, o.xds.port) } }] }] },
      }],
    },
  };
}
