// A real Prometheus scrapes a client sidecar and two server sidecars (reviews v1/v2) while
// traffic flows; PromQL of the kind Istio's dashboards use sees the 50/50 version split, the
// injected 503 aborts, and the app's own metrics merged into its sidecar's endpoint.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Agent } from "node:http";
import { startStatsMesh } from "../src/telemetry/testing/stats-mesh.js";
import { httpGet } from "../src/telemetry/testing/http-get.js";
import { findPrometheus, startPrometheus, type PromSample } from "../src/telemetry/testing/prometheus.js";

const bin = findPrometheus();
const skip = bin === null ? "the prometheus binary is not installed (apt-get install prometheus)" : false;

test("Prometheus sees Istio's standard metrics: version split, error rate, merged app metrics", { skip, timeout: 120_000 }, async () => {
  const mesh = await startStatsMesh();
  const prom = await startPrometheus(bin as string, [
    { job: "productpage-sidecar", port: mesh.client.metrics.port },
    ...mesh.servers.map((s, i) => ({ job: `reviews-v${i + 1}-sidecar`, port: s.metrics.port })),
  ]);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  let stop = false;
  let sent = 0;
  const traffic = (async () => {
    // Bounded: at most 20 000 requests or until told to stop.
    while (!stop && sent < 20_000) {
      const path = sent % 10 === 0 ? "/fail" : "/reviews/0";
      await httpGet(mesh.entryPort, path, {}, agent);
      sent++;
      if (sent % 20 === 0) await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    const split = 'sum(rate(istio_requests_total{reporter="destination",destination_service_name="reviews"}[1m])) by (destination_version)';
    const errors = 'sum(rate(istio_requests_total{reporter="destination",destination_service_name="reviews",response_code=~"5.."}[1m])) / sum(rate(istio_requests_total{reporter="destination",destination_service_name="reviews"}[1m]))';
    // rate() over a handful of scrapes (each target scraped at its own instants) extrapolates
    // unevenly at first: poll until the split settles, bounded, then assert on the last answer.
    let bySplit: PromSample[] = [];
    const start = Date.now();
    const deadline = start + 60_000;
    const share = (l: PromSample[]): number => {
      const v1 = l.find((s) => s.metric["destination_version"] === "v1")?.value ?? 0;
      const v2 = l.find((s) => s.metric["destination_version"] === "v2")?.value ?? 0;
      return v1 + v2 === 0 ? 0 : v1 / (v1 + v2);
    };
    while (Date.now() < deadline) {
      bySplit = await prom.query(split);
      const settled = Date.now() - start > 8_000 && Math.abs(share(bySplit) - 0.5) < 0.1;
      if (bySplit.length === 2 && bySplit.every((s) => s.value > 0) && settled) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const targets = await prom.targets();
    assert.equal(targets.length, 3);
    for (const t of targets) assert.equal(t.health, "up", `${t.scrapeUrl}: ${t.lastError}`);
    assert.equal(bySplit.length, 2, `split query returned ${JSON.stringify(bySplit)}`);
    assert.ok(Math.abs(share(bySplit) - 0.5) < 0.1, `v1 share ${share(bySplit)}: ${JSON.stringify(bySplit)}`);
    const rate = await prom.query(errors);
    assert.equal(rate.length, 1);
    assert.ok((rate[0]?.value ?? 0) > 0.03 && (rate[0]?.value ?? 1) < 0.2, `error ratio ${JSON.stringify(rate)}`);
    const flagged = await prom.query('sum(istio_requests_total{reporter="destination",response_flags="FI"}) by (source_workload)');
    assert.equal(flagged[0]?.metric["source_workload"], "productpage-v1");
    const sourceSide = await prom.query('sum(rate(istio_requests_total{reporter="source",source_app="productpage",destination_service="reviews.default.svc.cluster.local"}[1m])) by (destination_version)');
    assert.deepEqual(sourceSide.map((s) => s.metric["destination_version"]).sort(), ["v1", "v2"], "the source reporter learns the destination from the response's peer metadata");
    const latency = await prom.query('histogram_quantile(0.5, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[1m])) by (le))');
    assert.ok(Number.isFinite(latency[0]?.value ?? NaN), `p50 ${JSON.stringify(latency)}`);
    const app = await prom.query('reviews_app_hits_total{job="reviews-v1-sidecar"}');
    assert.equal(app.length, 1, "the app's own metrics are merged into its sidecar's endpoint");
  } finally {
    stop = true;
    await traffic.catch(() => undefined);
    agent.destroy();
    await prom.stop();
    await mesh.close();
  }
});
