// gRPC through an HTTP/2 connection manager with the istio.stats filter: request_protocol
// "grpc" and grpc_response_status from the upstream's trailers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect as h2connect, createServer as createH2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { HttpConnectionManager } from "../src/proxy/http/http-connection-manager.js";
import { compileHcmConfig } from "../src/proxy/http/hcm-config.js";
import { StaticCluster, StaticClusterRegistry } from "../src/proxy/http/testing/static-clusters.js";
import { serveNetworkFilter } from "../src/proxy/http/testing/serve-hcm.js";
import { closeUpstreamSessions } from "../src/proxy/http/h2/upstream-sessions.js";
import { ProxyTelemetry } from "../src/telemetry/proxy-telemetry.js";
import { IstioStatsFilter, recordHttpTelemetry } from "../src/telemetry/stats/http-stats.js";
import { compilePluginConfig } from "../src/telemetry/stats/plugin-config.js";

test("gRPC requests are reported with request_protocol grpc and the trailers' grpc-status", { timeout: 20_000 }, async () => {
  const upstream = createH2Server();
  upstream.on("stream", (stream, headers) => {
    stream.on("data", () => undefined);
    stream.on("end", () => {
      const code = headers[":path"] === "/reviews.Reviews/Missing" ? "5" : "0";
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": code }));
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
  const telemetry = new ProxyTelemetry({ nodeId: "n", nodeMetadata: { NAMESPACE: "default", WORKLOAD_NAME: "reviews-v1", LABELS: { app: "reviews", version: "v1" } } });
  const cluster = "inbound|9080||";
  const config = compileHcmConfig({
    stat_prefix: "inbound_0.0.0.0_9080",
    route_config: { name: "r", virtual_hosts: [{ name: "v", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster } }] }] },
  });
  const stats = new IstioStatsFilter("istio.stats", compilePluginConfig({}), () => telemetry);
  const hcm = new HttpConnectionManager({ ...config, filters: [stats, ...config.filters] },
    { nodeId: "n", clusters: new StaticClusterRegistry([new StaticCluster(cluster, [["127.0.0.1", (upstream.address() as AddressInfo).port]], { http2: true })]) },
    { observer: recordHttpTelemetry });
  const proxy = await serveNetworkFilter(hcm);
  const client = h2connect(`http://127.0.0.1:${proxy.port}`);
  try {
    for (const path of ["/reviews.Reviews/Get", "/reviews.Reviews/Missing"]) {
      const status = await new Promise<string>((resolve, reject) => {
        const req = client.request({ ":method": "POST", ":path": path, ":authority": "reviews:9080", "content-type": "application/grpc", te: "trailers" });
        let got = "";
        req.on("trailers", (t) => { got = String(t["grpc-status"] ?? ""); });
        req.on("data", () => undefined);
        req.on("end", () => resolve(got));
        req.on("error", reject);
        req.setTimeout(5000, () => req.close());
        req.end(Buffer.from([0, 0, 0, 0, 0]));
      });
      assert.equal(status, path.endsWith("Missing") ? "5" : "0");
    }
    // The observer runs when the stream completes; allow the event loop to finish both.
    const deadline = Date.now() + 5000;
    while (!/grpc_response_status="5"/.test(telemetry.metrics.expose()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const text = telemetry.metrics.expose();
    assert.match(text, /istio_requests_total\{reporter="destination",[^}]*request_protocol="grpc",response_code="200",grpc_response_status="0",[^}]*\} 1/);
    assert.match(text, /istio_requests_total\{reporter="destination",[^}]*request_protocol="grpc",response_code="200",grpc_response_status="5",[^}]*\} 1/);
  } finally {
    client.close();
    await proxy.close();
    closeUpstreamSessions();
    await new Promise<void>((r) => upstream.close(() => r()));
  }
});
