// Istio's standard metrics through a client sidecar and two server sidecars on real sockets:
// metadata exchange fills both reporters' labels, peer headers never reach the app, aborts are
// counted with their response flag, and metric overrides drop metrics or rewrite tags.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Agent } from "node:http";
import { startStatsMesh, REVIEWS_HOST } from "../testing/stats-mesh.js";
import { httpGet } from "../testing/http-get.js";
import { HTTP_LABELS } from "../metrics/istio-metrics.js";
import { ProxyTelemetry, setProxyTelemetry } from "../proxy-telemetry.js";
import { recordHttpTelemetry } from "./http-stats.js";
import { HttpRequestRecord } from "../../proxy/http/request-record.js";

function labelsOf(kv: Record<string, string>): string[] {
  return HTTP_LABELS.map((l) => kv[l] ?? "");
}

test("both reporters see both workloads; peer headers are stripped before they reach either app", async () => {
  const mesh = await startStatsMesh();
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  try {
    for (let i = 0; i < 6; i++) {
      const r = await httpGet(mesh.entryPort, "/reviews/1", {}, agent);
      assert.equal(r.status, 200);
      assert.equal(r.headers["x-peer-seen"], "no");
      assert.equal(r.headers["x-envoy-peer-metadata"], undefined, "the client sidecar strips the server's metadata");
      assert.equal(r.headers["x-envoy-peer-metadata-id"], undefined);
    }
    const v1 = mesh.servers[0]?.telemetry.metrics;
    assert.ok(v1);
    const common = {
      reporter: "destination", source_workload: "productpage-v1", source_canonical_service: "productpage", source_canonical_revision: "v1",
      source_workload_namespace: "default", source_principal: "unknown", source_app: "productpage", source_version: "v1", source_cluster: "Kubernetes",
      destination_workload: "reviews-v1", destination_workload_namespace: "default", destination_principal: "unknown", destination_app: "reviews",
      destination_version: "v1", destination_service: REVIEWS_HOST, destination_canonical_service: "reviews", destination_canonical_revision: "v1",
      destination_service_name: "reviews", destination_service_namespace: "default", destination_cluster: "Kubernetes", request_protocol: "http",
      response_code: "200", grpc_response_status: "", response_flags: "-", connection_security_policy: "none",
    };
    assert.equal(v1.requests.get(labelsOf(common)), 3, v1.expose());
    assert.equal(v1.duration.countOf(labelsOf(common)), 3);
    const client = mesh.client.telemetry.metrics;
    const src = { ...common, reporter: "source", source_principal: "spiffe://cluster.local/ns/default/sa/bookinfo-productpage", connection_security_policy: "unknown" };
    assert.equal(client.requests.get(labelsOf(src)), 3, client.expose());
    const srcV2 = { ...src, destination_workload: "reviews-v2", destination_version: "v2", destination_canonical_revision: "v2" };
    assert.equal(client.requests.get(labelsOf(srcV2)), 3, client.expose());
    const text = client.expose();
    assert.match(text, /# TYPE istio_requests_total counter/);
    assert.match(text, /istio_request_duration_milliseconds_bucket\{reporter="source",.*le="0.5"\} \d+/);
    assert.match(text, /istio_response_bytes_count\{reporter="source",/);
  } finally {
    agent.destroy();
    await mesh.close();
  }
});

test("fault aborts are counted with 503 and FI on the server's reporter", async () => {
  const mesh = await startStatsMesh();
  try {
    for (let i = 0; i < 4; i++) assert.equal((await httpGet(mesh.entryPort, "/fail")).status, 503);
    for (const s of mesh.servers) {
      const text = s.telemetry.metrics.expose();
      assert.match(text, /istio_requests_total\{reporter="destination",[^}]*response_code="503",grpc_response_status="",response_flags="FI",[^}]*\} 2/);
    }
  } finally {
    await mesh.close();
  }
});

test("metric overrides drop a metric and set or remove tags", async () => {
  const mesh = await startStatsMesh({
    pluginConfig: {
      metrics: [
        { name: "REQUEST_DURATION", drop: true },
        { name: "REQUEST_COUNT", tags_to_remove: ["source_principal"], dimensions: { request_protocol: "'custom'", destination_service_name: "request.headers['x-tenant']", request_host: "request.host" } },
      ],
    },
  });
  try {
    assert.equal((await httpGet(mesh.entryPort, "/x", { "x-tenant": "acme" })).status, 200);
    const text = mesh.client.telemetry.metrics.expose();
    assert.doesNotMatch(text, /istio_request_duration_milliseconds/);
    assert.match(text, /istio_requests_total\{[^}]*source_principal="",[^}]*destination_service_name="acme",[^}]*request_protocol="custom",[^}]*,request_host="reviews:9080"\} 1/);
    assert.match(text, /istio_request_bytes_count\{[^}]*request_protocol="http"/);
  } finally {
    await mesh.close();
  }
});

test("requests answered before the filters ran (no route) are counted with the NR flag", () => {
  const t = new ProxyTelemetry({ nodeId: "n", nodeMetadata: { NAMESPACE: "default", WORKLOAD_NAME: "productpage-v1", LABELS: { app: "productpage" } } });
  setProxyTelemetry(t);
  try {
    const r = new HttpRequestRecord();
    r.statPrefix = "outbound_0.0.0.0_9080";
    r.authority = "nowhere:9080";
    r.status = 404;
    r.addFlag("NR");
    recordHttpTelemetry(r);
    assert.match(t.metrics.expose(), /istio_requests_total\{reporter="source",source_workload="productpage-v1",[^}]*destination_service="nowhere.default.svc.cluster.local",[^}]*response_code="404",grpc_response_status="",response_flags="NR",[^}]*\} 1/);
  } finally {
    setProxyTelemetry(null);
  }
});

test("requests that share a peer, cluster and authority land in the series their own response labels name", () => {
  const t = new ProxyTelemetry({ nodeId: "n", nodeMetadata: { NAMESPACE: "default", WORKLOAD_NAME: "productpage-v1", LABELS: { app: "productpage" } } });
  setProxyTelemetry(t);
  try {
    const send = (authority: string, status: number, flag?: "NR" | "UH"): void => {
      const r = new HttpRequestRecord();
      r.statPrefix = "outbound_0.0.0.0_9080";
      r.authority = authority;
      r.status = status;
      r.durationMs = 5;
      if (flag !== undefined) r.addFlag(flag);
      recordHttpTelemetry(r);
    };
    // Repeats, changes and returns, in an order that takes every path through the series cache.
    for (const [authority, status, flag] of [["a:9080", 404, "NR"], ["a:9080", 404, "NR"], ["a:9080", 503, "UH"], ["b:9080", 404, "NR"], ["a:9080", 404, "NR"], ["a:9080", 503, "UH"]] as const) send(authority, status, flag);
    const text = t.metrics.expose();
    const count = (svc: string, code: number, flags: string): number => {
      const m = new RegExp(`istio_requests_total\\{[^}]*destination_service="${svc}.default.svc.cluster.local",[^}]*response_code="${code}",grpc_response_status="",response_flags="${flags}",[^}]*\\} (\\d+)`).exec(text);
      return m === null ? 0 : Number(m[1]);
    };
    assert.deepEqual([count("a", 404, "NR"), count("a", 503, "UH"), count("b", 404, "NR")], [3, 2, 1]);
    assert.equal((text.match(/^istio_requests_total\{/gm) ?? []).length, 3, "one series each");
    assert.match(text, /istio_request_duration_milliseconds_count\{[^}]*destination_service="a.default.svc.cluster.local",[^}]*response_code="404"[^}]*\} 3/);
  } finally {
    setProxyTelemetry(null);
  }
});
