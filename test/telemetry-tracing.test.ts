// A trace through two proxy hops (client sidecar → server sidecar → app) arrives at a
// Zipkin-compatible endpoint run by the test as one trace: the client sidecar exports Zipkin v2
// JSON, the server sidecar OTLP/HTTP JSON, and the spans link parent → child. B3 and traceparent
// callers are both continued; sampling follows the carried decision and x-envoy-force-trace.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStatsMesh, type StatsMesh } from "../src/telemetry/testing/stats-mesh.js";
import { httpGet } from "../src/telemetry/testing/http-get.js";
import { startTraceStoreServer, type TraceStoreServer } from "../src/telemetry/tracing/trace-store.js";
import { flushAllExporters } from "../src/telemetry/tracing/exporter.js";
import { ZIPKIN_CONFIG_TYPE, OTEL_CONFIG_TYPE } from "../src/telemetry/tracing/hcm-tracing.js";
import type { Span } from "../src/telemetry/tracing/span.js";

let collector: TraceStoreServer;
let mesh: StatsMesh;

function tags(service: string): Record<string, unknown>[] {
  return [
    { tag: "istio.canonical_service", literal: { value: service } },
    { tag: "istio.namespace", literal: { value: "default" } },
    { tag: "istio.mesh_id", literal: { value: "cluster.local" } },
  ];
}

before(async () => {
  collector = await startTraceStoreServer({ port: 0 });
  const port = collector.port;
  mesh = await startStatsMesh({
    clientHcm: { tracing: {
      random_sampling: { value: 0 },
      custom_tags: tags("productpage"),
      provider: { name: "envoy.tracers.zipkin", typed_config: { "@type": ZIPKIN_CONFIG_TYPE, collector_cluster: `outbound|${port}||127.0.0.1`, collector_endpoint: "/api/v2/spans", collector_endpoint_version: "HTTP_JSON" } },
    } },
    serverHcm: { tracing: {
      random_sampling: { value: 0 },
      custom_tags: tags("reviews"),
      provider: { name: "envoy.tracers.opentelemetry", typed_config: { "@type": OTEL_CONFIG_TYPE, service_name: "reviews.default", http_service: { http_uri: { uri: `http://127.0.0.1:${port}/v1/traces`, cluster: "otel", timeout: "1s" } } } },
    } },
  });
});

after(async () => {
  await mesh.close();
  await collector.close();
});

async function traceOf(traceId: string, want: number): Promise<Span[]> {
  const deadline = Date.now() + 10_000;
  let spans: Span[] = [];
  while (Date.now() < deadline) {
    await flushAllExporters();
    const res = await fetch(`http://127.0.0.1:${collector.port}/api/v2/trace/${traceId}`);
    spans = res.status === 200 ? await res.json() as Span[] : [];
    if (spans.length >= want) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return spans;
}

function checkTwoHops(spans: Span[], callerSpan: string): void {
  assert.equal(spans.length, 2, JSON.stringify(spans));
  const client = spans.find((s) => s.kind === "CLIENT");
  const server = spans.find((s) => s.kind === "SERVER");
  assert.ok(client && server);
  assert.equal(client.parentId, callerSpan);
  assert.equal(server.parentId, client.id);
  assert.equal(client.localEndpoint.serviceName, "productpage.default");
  assert.equal(server.localEndpoint.serviceName, "reviews.default");
  assert.equal(client.tags["upstream_cluster"], "outbound|9080||reviews.default.svc.cluster.local");
  assert.equal(server.tags["http.status_code"], "200");
  assert.equal(server.tags["http.method"], "GET");
  assert.equal(server.tags["component"], "proxy");
  assert.equal(server.tags["istio.mesh_id"], "cluster.local");
  assert.equal(server.tags["response_flags"], "-");
}

test("a B3 caller's trace continues through both hops", async () => {
  const traceId = "463ac35c9f6413ad48485a3953bb6124";
  const r = await httpGet(mesh.entryPort, "/reviews/1", { "x-b3-traceid": traceId, "x-b3-spanid": "a2fb4a1d1a96d312", "x-b3-sampled": "1" });
  assert.equal(r.status, 200);
  const spans = await traceOf(traceId, 2);
  checkTwoHops(spans, "a2fb4a1d1a96d312");
  const server = spans.find((s) => s.kind === "SERVER");
  assert.equal(r.headers["x-seen-traceparent"], `00-${traceId}-${server?.id ?? ""}-01`);
  assert.equal(r.headers["x-seen-b3-parent"], spans.find((s) => s.kind === "CLIENT")?.id);
});

test("a traceparent caller's trace continues through both hops", async () => {
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const r = await httpGet(mesh.entryPort, "/reviews/2", { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
  assert.equal(r.status, 200);
  checkTwoHops(await traceOf(traceId, 2), "00f067aa0ba902b7");
});

test("an unsampled decision is honoured; x-envoy-force-trace starts a sampled trace", async () => {
  const off = "11111111111111111111111111111111";
  await httpGet(mesh.entryPort, "/reviews/3", { "x-b3-traceid": off, "x-b3-spanid": "2222222222222222", "x-b3-sampled": "0" });
  const forced = await httpGet(mesh.entryPort, "/reviews/4", { "x-envoy-force-trace": "1" });
  const tp = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(forced.headers["x-seen-traceparent"]));
  assert.ok(tp, String(forced.headers["x-seen-traceparent"]));
  const spans = await traceOf(tp[1] as string, 2);
  assert.equal(spans.length, 2);
  assert.equal(spans.find((s) => s.kind === "CLIENT")?.parentId, undefined);
  await flushAllExporters();
  const res = await fetch(`http://127.0.0.1:${collector.port}/api/v2/trace/${off}`);
  assert.equal(res.status, 404);
  const services = await (await fetch(`http://127.0.0.1:${collector.port}/api/v2/services`)).json() as string[];
  assert.deepEqual(services, ["productpage.default", "reviews.default"]);
});
