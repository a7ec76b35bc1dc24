// Istio's standard metrics: names, types, buckets and labels as Istio's stats filter reports
// them. One IstioMetrics per proxy; the stats filters fill label tuples in Istio's label order.
import { MetricRegistry, type CounterFamily, type HistogramFamily } from "./registry.js";

/** Envoy's default histogram buckets (milliseconds), which Istio's duration histogram uses. */
export const DURATION_BUCKETS_MS: readonly number[] = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
/** Powers of ten for request and response sizes. */
export const BYTE_BUCKETS: readonly number[] = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

export const PEER_LABELS = [
  "reporter",
  "source_workload", "source_canonical_service", "source_canonical_revision", "source_workload_namespace",
  "source_principal", "source_app", "source_version", "source_cluster",
  "destination_workload", "destination_workload_namespace", "destination_principal", "destination_app", "destination_version",
  "destination_service", "destination_canonical_service", "destination_canonical_revision",
  "destination_service_name", "destination_service_namespace", "destination_cluster",
  "request_protocol",
] as const;

/** Labels of HTTP/gRPC metrics, in order. */
export const HTTP_LABELS: readonly string[] = [...PEER_LABELS, "response_code", "grpc_response_status", "response_flags", "connection_security_policy"];
/** Labels of TCP metrics, in order. */
export const TCP_LABELS: readonly string[] = [...PEER_LABELS, "response_flags", "connection_security_policy"];

/** Istio's short metric names (the Telemetry API's metric override names) to full names. */
export const METRIC_NAMES = {
  REQUEST_COUNT: "istio_requests_total",
  REQUEST_DURATION: "istio_request_duration_milliseconds",
  REQUEST_SIZE: "istio_request_bytes",
  RESPONSE_SIZE: "istio_response_bytes",
  GRPC_REQUEST_MESSAGES: "istio_request_messages_total",
  GRPC_RESPONSE_MESSAGES: "istio_response_messages_total",
  TCP_SENT_BYTES: "istio_tcp_sent_bytes_total",
  TCP_RECEIVED_BYTES: "istio_tcp_received_bytes_total",
  TCP_OPENED_CONNECTIONS: "istio_tcp_connections_opened_total",
  TCP_CLOSED_CONNECTIONS: "istio_tcp_connections_closed_total",
} as const;

export type IstioMetricName = keyof typeof METRIC_NAMES;

export class IstioMetrics {
  readonly registry: MetricRegistry;
  readonly requests: CounterFamily;
  readonly duration: HistogramFamily;
  readonly requestBytes: HistogramFamily;
  readonly responseBytes: HistogramFamily;
  readonly requestMessages: CounterFamily;
  readonly responseMessages: CounterFamily;
  readonly tcpSent: CounterFamily;
  readonly tcpReceived: CounterFamily;
  readonly tcpOpened: CounterFamily;
  readonly tcpClosed: CounterFamily;

  constructor(maxSeriesPerMetric?: number) {
    const r = this.registry = new MetricRegistry(maxSeriesPerMetric);
    this.requests = r.counter(METRIC_NAMES.REQUEST_COUNT, "Requests handled by the proxy.", HTTP_LABELS);
    this.duration = r.histogram(METRIC_NAMES.REQUEST_DURATION, "Request duration in milliseconds.", HTTP_LABELS, DURATION_BUCKETS_MS);
    this.requestBytes = r.histogram(METRIC_NAMES.REQUEST_SIZE, "Request body sizes in bytes.", HTTP_LABELS, BYTE_BUCKETS);
    this.responseBytes = r.histogram(METRIC_NAMES.RESPONSE_SIZE, "Response body sizes in bytes.", HTTP_LABELS, BYTE_BUCKETS);
    this.requestMessages = r.counter(METRIC_NAMES.GRPC_REQUEST_MESSAGES, "gRPC messages sent by clients.", HTTP_LABELS);
    this.responseMessages = r.counter(METRIC_NAMES.GRPC_RESPONSE_MESSAGES, "gRPC messages sent by servers.", HTTP_LABELS);
    this.tcpSent = r.counter(METRIC_NAMES.TCP_SENT_BYTES, "Bytes sent in responses over TCP connections.", TCP_LABELS);
    this.tcpReceived = r.counter(METRIC_NAMES.TCP_RECEIVED_BYTES, "Bytes received in requests over TCP connections.", TCP_LABELS);
    this.tcpOpened = r.counter(METRIC_NAMES.TCP_OPENED_CONNECTIONS, "TCP connections opened.", TCP_LABELS);
    this.tcpClosed = r.counter(METRIC_NAMES.TCP_CLOSED_CONNECTIONS, "TCP connections closed.", TCP_LABELS);
  }

  expose(): string {
    return this.registry.expose();
  }
}
