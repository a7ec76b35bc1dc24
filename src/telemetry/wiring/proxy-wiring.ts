// Proxy-process side: installs this node's telemetry (Istio metrics with metadata exchange,
// access logs and spans through the HCM config), gives the hooks the proxy server's services
// take, and serves the merged Prometheus endpoint (Istio's 15020 /stats/prometheus) on the pod's
// own address: in interception NONE every pod shares the host's port space, so it never binds
// 0.0.0.0 there.
import { isIP } from "node:net";
import type { ClusterRegistry } from "../../proxy/contracts.js";
import type { HttpRequestRecord } from "../../proxy/http/request-record.js";
import type { TcpConnectionRecord } from "../../proxy/tcp/access-log.js";
import { appScrapeFromAnnotations, closeAccessLogFiles, flushAllExporters, installProxyTelemetry, setProxyTelemetry, type MergedMetricsServer } from "../index.js";
import type { CollectorAddress } from "../tracing/collector-resolver.js";

/** Istio's merged metrics port. */
export const MERGED_METRICS_PORT = 15020;

export interface TelemetryHooks {
  readonly onHttpRequest: (r: HttpRequestRecord) => void;
  readonly onTcpConnection: (r: TcpConnectionRecord, peerPrincipal?: string) => void;
}

export interface ProxyTelemetryWiring {
  readonly hooks: TelemetryHooks;
  /** "host:port" of the merged metrics endpoint, or null when it is off. */
  readonly metricsAddress: string | null;
  /** Starts the merged endpoint (call once the proxy runs); `envoyStats` gives the proxy's own stats in Prometheus text. */
  startMetrics(envoyStats?: () => string): Promise<void>;
  close(): Promise<void>;
}

export interface ProxyTelemetryWiringOptions {
  nodeId: string;
  nodeMetadata: Record<string, unknown>;
  /** Port of the merged endpoint; null turns it off (metrics are still kept for the admin API). */
  metricsPort: number | null;
  /** Overrides the bind address (default: the pod IP from the node id or INSTANCE_IPS, else 127.0.0.1). */
  metricsHost?: string;
  /** The proxy's clusters, to resolve a tracing collector's cluster to its first endpoint. */
  clusters?: () => ClusterRegistry | undefined;
  trustDomain?: string;
}

/** The pod IP: Istio node ids are `<type>~<ip>~<pod>.<ns>~<domain>`; INSTANCE_IPS is a comma list. */
export function podIpOf(nodeId: string, metadata: Record<string, unknown>): string | null {
  const fromId = nodeId.split("~")[1] ?? "";
  if (isIP(fromId) !== 0) return fromId;
  const ips = typeof metadata["INSTANCE_IPS"] === "string" ? metadata["INSTANCE_IPS"].split(",") : [];
  const first = (ips[0] ?? "").trim();
  return isIP(first) !== 0 ? first : null;
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof v !== "object" || v === null || Array.isArray(v)) return out;
  for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
  return out;
}

function collectorFrom(clusters: ClusterRegistry | undefined, name: string): CollectorAddress | null {
  const c = clusters?.get(name);
  const h = c?.pickHost(undefined);
  return h ? { host: h.address, port: h.port } : null;
}

/**
 * Node metadata with the keys the stats need filled where the bootstrap left them out, as
 * pilot-agent would: NAME and NAMESPACE from the node id, WORKLOAD_NAME = the pod name (a pod
 * without an owner), CLUSTER_ID "Kubernetes" (Istio's default cluster id).
 */
export function statsNodeMetadata(nodeId: string, metadata: Record<string, unknown>): Record<string, unknown> {
  const podNs = nodeId.split("~")[2] ?? "";
  const dot = podNs.lastIndexOf(".");
  const pod = dot > 0 ? podNs.slice(0, dot) : podNs;
  const ns = dot > 0 ? podNs.slice(dot + 1) : "";
  const out: Record<string, unknown> = { ...metadata };
  const missing = (k: string): boolean => typeof out[k] !== "string" || out[k] === "";
  if (missing("NAME") && pod !== "") out["NAME"] = pod;
  if (missing("NAMESPACE") && ns !== "") out["NAMESPACE"] = ns;
  if (missing("WORKLOAD_NAME") && typeof out["NAME"] === "string") out["WORKLOAD_NAME"] = out["NAME"];
  if (missing("CLUSTER_ID")) out["CLUSTER_ID"] = "Kubernetes";
  return out;
}

export function wireProxyTelemetry(o: ProxyTelemetryWiringOptions): ProxyTelemetryWiring {
  const installed = installProxyTelemetry({
    nodeId: o.nodeId,
    nodeMetadata: statsNodeMetadata(o.nodeId, o.nodeMetadata),
    ...(o.trustDomain !== undefined ? { trustDomain: o.trustDomain } : {}),
    collectorResolver: (cluster) => collectorFrom(o.clusters?.(), cluster),
  });
  const podIp = podIpOf(o.nodeId, o.nodeMetadata);
  const host = o.metricsHost ?? podIp ?? "127.0.0.1";
  let merged: MergedMetricsServer | undefined;
  let address: string | null = null;
  return {
    hooks: { onHttpRequest: installed.onHttpRequest, onTcpConnection: installed.onTcpConnection },
    get metricsAddress() { return address; },
    async startMetrics(envoyStats) {
      if (o.metricsPort === null || merged !== undefined) return;
      // The app listens on the pod address, or where INBOUND_APP_ADDRESS says (pods sharing the host's ports).
      const appHost = typeof o.nodeMetadata["INBOUND_APP_ADDRESS"] === "string" ? o.nodeMetadata["INBOUND_APP_ADDRESS"] : (podIp ?? "127.0.0.1");
      const appScrape = appScrapeFromAnnotations(stringMap(o.nodeMetadata["ANNOTATIONS"]), appHost);
      merged = await installed.startMergedMetrics({ port: o.metricsPort, host, ...(appScrape ? { appScrape } : {}), ...(envoyStats ? { envoyStats } : {}) });
      address = `${host.includes(":") ? `[${host}]` : host}:${merged.port}`;
    },
    async close() {
      await merged?.close();
      merged = undefined;
      await flushAllExporters().catch(() => undefined);
      await closeAccessLogFiles();
      setProxyTelemetry(null);
    },
  };
}
