import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { appScrapeFromAnnotations, installProxyTelemetry, setProxyTelemetry } from "./index.js";

test("15020 merges Istio metrics, Envoy stats and the annotated app's metrics; an app failure is counted", async () => {
  const app = createServer((req, res) => {
    if (req.url === "/custom/metrics") { res.writeHead(200).end("# TYPE app_jobs_total counter\napp_jobs_total 7\n"); return; }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => app.listen(0, "127.0.0.1", () => r()));
  const appPort = (app.address() as AddressInfo).port;
  const target = appScrapeFromAnnotations({ "prometheus.io/scrape": "true", "prometheus.io/port": String(appPort), "prometheus.io/path": "/custom/metrics" });
  assert.deepEqual(target, { host: "127.0.0.1", port: appPort, path: "/custom/metrics" });
  assert.equal(appScrapeFromAnnotations({ "prometheus.io/port": "80" }), undefined);
  const installed = installProxyTelemetry({ nodeId: "n1", nodeMetadata: { NAMESPACE: "default", WORKLOAD_NAME: "w" } });
  installed.telemetry.metrics.requests.inc(["destination"]);
  const merged = await installed.startMergedMetrics({ port: 0, host: "127.0.0.1", appScrape: target, envoyStats: () => "envoy_cluster_upstream_rq_total{envoy_cluster_name=\"x\"} 3" });
  try {
    const body = await (await fetch(`http://127.0.0.1:${merged.port}/stats/prometheus`)).text();
    assert.match(body, /^istio_requests_total\{reporter="destination",/m);
    assert.match(body, /^envoy_cluster_upstream_rq_total\{envoy_cluster_name="x"\} 3$/m);
    assert.match(body, /^app_jobs_total 7$/m);
    assert.match(body, /^istio_agent_scrape_failures_total 0$/m);
    await new Promise<void>((r) => { app.closeAllConnections(); app.close(() => r()); });
    const after = await (await fetch(`http://127.0.0.1:${merged.port}/stats/prometheus`)).text();
    assert.match(after, /^istio_requests_total/m);
    assert.match(after, /^istio_agent_scrape_failures_total 1$/m);
    assert.equal((await fetch(`http://127.0.0.1:${merged.port}/other`)).status, 404);
  } finally {
    await merged.close();
    setProxyTelemetry(null);
    if (app.listening) app.close();
  }
});
