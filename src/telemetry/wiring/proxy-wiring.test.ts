import { test } from "node:test";
import assert from "node:assert/strict";
import { MizzenError } from "../../errors.js";
import { TcpConnectionRecord } from "../../proxy/tcp/access-log.js";
import { httpFilterFactory } from "../../proxy/http/filters/http-filter.js";
import "../../proxy/http/filters/builtin.js";
import { podIpOf, statsNodeMetadata, wireProxyTelemetry } from "./proxy-wiring.js";
import { fromTypedStruct, toTypedStruct, UDPA_TYPED_STRUCT, XDS_TYPED_STRUCT } from "./typed-struct-filter.js";

test("pod IP from the Istio node id, else INSTANCE_IPS, else none", () => {
  assert.equal(podIpOf("sidecar~127.0.9.2~web-0.default~default.svc.cluster.local", {}), "127.0.9.2");
  assert.equal(podIpOf("n1", { INSTANCE_IPS: "10.1.2.3,fd00::1" }), "10.1.2.3");
  assert.equal(podIpOf("n1", { INSTANCE_IPS: "not-an-ip" }), null);
  assert.equal(podIpOf("sidecar~~x.y~z", {}), null);
});

test("stats metadata: NAME, NAMESPACE, WORKLOAD_NAME and CLUSTER_ID filled only where missing", () => {
  const md = statsNodeMetadata("sidecar~127.0.9.2~web-0.shop~shop.svc.cluster.local", { LABELS: { app: "web" } });
  assert.deepEqual(md, { LABELS: { app: "web" }, NAME: "web-0", NAMESPACE: "shop", WORKLOAD_NAME: "web-0", CLUSTER_ID: "Kubernetes" });
  const kept = statsNodeMetadata("sidecar~127.0.9.2~web-0.shop~shop.svc.cluster.local", { NAME: "p", NAMESPACE: "n", WORKLOAD_NAME: "w", CLUSTER_ID: "c1" });
  assert.deepEqual(kept, { NAME: "p", NAMESPACE: "n", WORKLOAD_NAME: "w", CLUSTER_ID: "c1" });
});

test("TypedStruct round trip; both TypedStruct type URLs build the inner filter; bad ones name the field", () => {
  const ts = toTypedStruct({ "@type": "type.googleapis.com/stats.PluginConfig", metrics: [{ name: "requests_total", drop: true }] });
  assert.deepEqual(ts, { "@type": XDS_TYPED_STRUCT, type_url: "type.googleapis.com/stats.PluginConfig", value: { metrics: [{ name: "requests_total", drop: true }] } });
  assert.deepEqual(fromTypedStruct(ts, "f"), { "@type": "type.googleapis.com/stats.PluginConfig", metrics: [{ name: "requests_total", drop: true }] });
  for (const url of [XDS_TYPED_STRUCT, UDPA_TYPED_STRUCT]) {
    const f: { readonly name: string } | null | undefined = httpFilterFactory(url)?.create("istio.stats", { ...ts, "@type": url }, "http_filters[0].typed_config");
    assert.equal(f?.name, "istio.stats");
  }
  const factory = httpFilterFactory(XDS_TYPED_STRUCT);
  assert.throws(() => factory?.create("x", { "@type": XDS_TYPED_STRUCT, type_url: "type.googleapis.com/no.Such" }, "hf"), (e: unknown) => e instanceof MizzenError && e.code === "MIZZEN_ERR_XDS_INVALID" && /hf\.type_url/.test(e.message));
  assert.throws(() => factory?.create("x", { "@type": XDS_TYPED_STRUCT }, "hf"), /hf\.type_url: is required/);
  assert.throws(() => factory?.create("x", { "@type": XDS_TYPED_STRUCT, type_url: "t", value: [1] }, "hf"), /hf\.value: must be a mapping/);
});

test("wired telemetry: TCP records counted and served on the merged endpoint; a port that cannot bind is an error, not a crash", async () => {
  const w = wireProxyTelemetry({
    nodeId: "sidecar~127.0.0.1~db-0.default~default.svc.cluster.local", nodeMetadata: { LABELS: { app: "db" } }, metricsPort: 0,
  });
  try {
    const r = new TcpConnectionRecord();
    r.statPrefix = "inbound|5432||";
    r.cluster = "inbound|5432||";
    r.bytesReceived = 10;
    r.bytesSent = 20;
    w.hooks.onTcpConnection(r, "spiffe://cluster.local/ns/default/sa/client");
    await w.startMetrics(() => "envoy_server_live 1\n");
    assert.match(w.metricsAddress ?? "", /^127\.0\.0\.1:\d+$/);
    const body = await (await fetch(`http://${w.metricsAddress ?? ""}/stats/prometheus`)).text();
    const opened = body.split("\n").find((l) => l.startsWith("istio_tcp_connections_opened_total{"));
    assert.ok(opened, body);
    assert.match(opened, /reporter="destination"/);
    assert.match(opened, /destination_workload="db-0"/);
    assert.match(opened, /source_principal="spiffe:\/\/cluster\.local\/ns\/default\/sa\/client"/);
    assert.match(opened, /connection_security_policy="mutual_tls"/);
    assert.match(body, /^istio_tcp_received_bytes_total\{.*\} 10$/m);
    assert.match(body, /^envoy_server_live 1$/m);
  } finally {
    await w.close();
  }
  const off = wireProxyTelemetry({ nodeId: "n", nodeMetadata: {}, metricsPort: null });
  await off.startMetrics();
  assert.equal(off.metricsAddress, null);
  await off.close();
  // 192.0.2.1 (TEST-NET-1) is not an address of this host.
  const bad = wireProxyTelemetry({ nodeId: "sidecar~192.0.2.1~x-0.default~default.svc.cluster.local", nodeMetadata: {}, metricsPort: 0 });
  await assert.rejects(bad.startMetrics(), /EADDRNOTAVAIL/);
  await bad.close();
});
