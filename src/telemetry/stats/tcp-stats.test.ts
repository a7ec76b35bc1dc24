import { test } from "node:test";
import assert from "node:assert/strict";
import { TcpConnectionRecord } from "../../proxy/tcp/access-log.js";
import { ProxyTelemetry } from "../proxy-telemetry.js";
import { recordTcpTelemetry } from "./tcp-stats.js";

test("TCP connection records become Istio's TCP metrics for both reporters", () => {
  const t = new ProxyTelemetry({ nodeId: "n", nodeMetadata: { NAMESPACE: "default", WORKLOAD_NAME: "mongodb-v1", LABELS: { app: "mongodb", version: "v1" }, SERVICE_ACCOUNT: "db" } });
  const inbound = new TcpConnectionRecord();
  inbound.statPrefix = "inbound|27017||";
  inbound.cluster = "inbound|27017||";
  inbound.bytesReceived = 100;
  inbound.bytesSent = 2000;
  recordTcpTelemetry(inbound, t, "spiffe://cluster.local/ns/default/sa/ratings");
  const outbound = new TcpConnectionRecord();
  outbound.statPrefix = "outbound|6379||redis.cache.svc.cluster.local";
  outbound.cluster = "outbound|6379||redis.cache.svc.cluster.local";
  outbound.addFlag("UF");
  recordTcpTelemetry(outbound, t);
  const text = t.metrics.expose();
  assert.match(text, /istio_tcp_received_bytes_total\{reporter="destination",source_workload="unknown",[^}]*source_principal="spiffe:\/\/cluster.local\/ns\/default\/sa\/ratings",[^}]*destination_workload="mongodb-v1",[^}]*destination_principal="spiffe:\/\/cluster.local\/ns\/default\/sa\/db",[^}]*request_protocol="tcp",response_flags="-",connection_security_policy="mutual_tls"\} 100/);
  assert.match(text, /istio_tcp_sent_bytes_total\{reporter="destination",[^}]*\} 2000/);
  assert.match(text, /istio_tcp_connections_opened_total\{reporter="source",source_workload="mongodb-v1",[^}]*destination_service="redis.cache.svc.cluster.local",[^}]*destination_service_name="redis",destination_service_namespace="cache",[^}]*response_flags="UF",[^}]*\} 1/);
  assert.doesNotMatch(text, /istio_tcp_sent_bytes_total\{reporter="source"/);
});

test("an open connection is counted as opened once; closing it adds closed and bytes, not a second open", () => {
  const t = new ProxyTelemetry({ nodeId: "n", nodeMetadata: { NAMESPACE: "default", WORKLOAD_NAME: "tcp-echo-v1", LABELS: { app: "tcp-echo" } } });
  const r = new TcpConnectionRecord();
  r.statPrefix = r.cluster = "inbound|9000||";
  r.open = true;
  recordTcpTelemetry(r, t);
  assert.match(t.metrics.expose(), /istio_tcp_connections_opened_total\{reporter="destination",[^}]*\} 1/);
  assert.doesNotMatch(t.metrics.expose(), /istio_tcp_connections_closed_total\{/);
  r.bytesReceived = 5;
  r.open = false;
  recordTcpTelemetry(r, t);
  const text = t.metrics.expose();
  assert.match(text, /istio_tcp_connections_opened_total\{reporter="destination",[^}]*\} 1/);
  assert.match(text, /istio_tcp_connections_closed_total\{reporter="destination",[^}]*\} 1/);
  assert.match(text, /istio_tcp_received_bytes_total\{reporter="destination",[^}]*\} 5/);
});
