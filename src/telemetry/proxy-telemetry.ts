// One proxy's telemetry state: its own workload metadata (and the pre-encoded header carrying
// it), its Istio metrics and its request observers (access logs, spans). The `mizzen proxy`
// process installs one with setProxyTelemetry(); tests may build several side by side.
import { IstioMetrics } from "./metrics/istio-metrics.js";
import { encodePeerMetadata, workloadMetadataFrom, type WorkloadMetadata } from "./metadata/workload-metadata.js";
import type { HttpRequestRecord } from "../proxy/http/request-record.js";

export interface ProxyTelemetryOptions {
  /** Bootstrap node.id. */
  nodeId: string;
  /** Bootstrap node.metadata (Istio's keys: NAME, NAMESPACE, LABELS, SERVICE_ACCOUNT, CLUSTER_ID, MESH_ID …). */
  nodeMetadata: Record<string, unknown>;
  trustDomain?: string;
  maxSeriesPerMetric?: number;
}

export class ProxyTelemetry {
  readonly node: WorkloadMetadata;
  /** x-envoy-peer-metadata value for this node, encoded once. */
  readonly nodeHeader: string;
  readonly metrics: IstioMetrics;
  readonly trustDomain: string;
  /** Extra per-request observers (access logs, tracing) run after the metrics update. */
  readonly httpObservers: ((r: HttpRequestRecord) => void)[] = [];

  constructor(o: ProxyTelemetryOptions) {
    this.node = workloadMetadataFrom(o.nodeMetadata, o.nodeId);
    this.nodeHeader = encodePeerMetadata(this.node);
    this.metrics = new IstioMetrics(o.maxSeriesPerMetric);
    this.trustDomain = o.trustDomain ?? "cluster.local";
  }
}

let processTelemetry: ProxyTelemetry | null = null;

/** Installs the process's telemetry (the `mizzen proxy` process calls this once from its bootstrap). */
export function setProxyTelemetry(t: ProxyTelemetry | null): void {
  processTelemetry = t;
}

export function getProxyTelemetry(): ProxyTelemetry | null {
  return processTelemetry;
}
