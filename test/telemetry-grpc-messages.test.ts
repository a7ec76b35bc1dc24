// gRPC through two sidecars (client outbound HCM → server inbound HCM → a grpc-js server), each
// with the istio.stats filter and its own telemetry: istio_request_messages_total and
// istio_response_messages_total count the length-prefixed messages at both reporters, for a
// unary call and a bidirectional stream.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { HttpConnectionManager } from "../src/proxy/http/http-connection-manager.js";
import { compileHcmConfig } from "../src/proxy/http/hcm-config.js";
import { StaticCluster, StaticClusterRegistry } from "../src/proxy/http/testing/static-clusters.js";
import { serveNetworkFilter, type ServedFilter } from "../src/proxy/http/testing/serve-hcm.js";
import { closeUpstreamSessions } from "../src/proxy/http/h2/upstream-sessions.js";
import { ProxyTelemetry } from "../src/telemetry/proxy-telemetry.js";
import { IstioStatsFilter, recordHttpTelemetry } from "../src/telemetry/stats/http-stats.js";
import { compilePluginConfig } from "../src/telemetry/stats/plugin-config.js";

const identity = (b: Buffer): Buffer => b;
const service: grpc.ServiceDefinition = {
  Echo: { path: "/echo.Echo/Echo", requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
  Chat: { path: "/echo.Echo/Chat", requestStream: true, responseStream: true, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
};

function sidecar(t: ProxyTelemetry, statPrefix: string, cluster: string, port: number): Promise<ServedFilter> {
  const config = compileHcmConfig({
    stat_prefix: statPrefix,
    route_config: { name: "r", virtual_hosts: [{ name: "v", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster, timeout: "0s" } }] }] },
  });
  const stats = new IstioStatsFilter("istio.stats", compilePluginConfig({}), () => t);
  const hcm = new HttpConnectionManager({ ...config, filters: [stats, ...config.filters] },
    { nodeId: t.node.id, clusters: new StaticClusterRegistry([new StaticCluster(cluster, [["127.0.0.1", port]], { http2: true })]) },
    { observer: recordHttpTelemetry });
  return serveNetworkFilter(hcm);
}

function series(t: ProxyTelemetry, metric: string, path: RegExp): number {
  for (const line of t.metrics.expose().split("\n")) {
    if (!line.startsWith(metric + "{") || !path.test(line)) continue;
    return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return -1;
}

test("gRPC message counts at both reporters for unary and bidi streaming calls", { timeout: 30_000 }, async () => {
  const server = new grpc.Server();
  server.addService(service, {
    Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, call.request),
    // Answers every message twice, so request and response counts differ.
    Chat: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      call.on("data", (m: Buffer) => { call.write(m); call.write(Buffer.concat([m, m])); });
      call.on("end", () => call.end());
    },
  });
  const appPort = await new Promise<number>((res, rej) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  const client = new ProxyTelemetry({ nodeId: "sidecar~10.0.0.1~productpage-v1.default~default.svc.cluster.local", nodeMetadata: { NAMESPACE: "default", WORKLOAD_NAME: "productpage-v1", LABELS: { app: "productpage", version: "v1" } } });
  const serverT = new ProxyTelemetry({ nodeId: "sidecar~10.0.0.2~echo-v1.default~default.svc.cluster.local", nodeMetadata: { NAMESPACE: "default", WORKLOAD_NAME: "echo-v1", LABELS: { app: "echo", version: "v1" } } });
  const inbound = await sidecar(serverT, "inbound_0.0.0.0_9080", "inbound|9080||", appPort);
  const outbound = await sidecar(client, "outbound_0.0.0.0_9080", "outbound|9080||echo.default.svc.cluster.local", inbound.port);
  const Client = grpc.makeGenericClientConstructor(service, "Echo");
  const stub = new Client(`127.0.0.1:${outbound.port}`, grpc.credentials.createInsecure()) as unknown as {
    Echo(req: Buffer, cb: (e: grpc.ServiceError | null, r?: Buffer) => void): void;
    Chat(): grpc.ClientDuplexStream<Buffer, Buffer>;
    close(): void;
  };
  try {
    const reply = await new Promise<Buffer>((res, rej) => stub.Echo(Buffer.from("hello"), (e, r) => (e || !r ? rej(e ?? new Error("no reply")) : res(r))));
    assert.equal(reply.toString(), "hello");
    const received = await new Promise<number>((res, rej) => {
      const call = stub.Chat();
      let n = 0;
      call.on("data", () => { n++; });
      call.on("end", () => res(n));
      call.on("error", rej);
      // A large message spans several DATA frames; the counter must still see one message.
      for (const m of [Buffer.from("a"), Buffer.alloc(100_000, 7), Buffer.from("c")]) call.write(m);
      call.end();
    });
    assert.equal(received, 6);
    const deadline = Date.now() + 5000;
    const at = (t: ProxyTelemetry, reporter: string, metric: string): number =>
      series(t, metric, new RegExp(`reporter="${reporter}",source_workload="productpage-v1",[^}]*destination_workload="echo-v1",[^}]*request_protocol="grpc",response_code="200",grpc_response_status="0"`));
    // Both calls share a label tuple, so the counters hold their sum: 1 + 3 requests, 1 + 6 responses.
    while (at(serverT, "destination", "istio_response_messages_total") !== 7 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    while (at(client, "source", "istio_response_messages_total") !== 7 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const [t, reporter] of [[client, "source"], [serverT, "destination"]] as const) {
      assert.equal(at(t, reporter, "istio_request_messages_total"), 4, `${reporter} request messages`);
      assert.equal(at(t, reporter, "istio_response_messages_total"), 7, `${reporter} response messages`);
      assert.equal(at(t, reporter, "istio_requests_total"), 2, `${reporter} requests`);
    }
  } finally {
    stub.close();
    await outbound.close();
    await inbound.close();
    closeUpstreamSessions();
    await new Promise<void>((r) => server.tryShutdown(() => r()));
  }
});

test("gRPC-framed bodies are counted when the sidecar forwards an HTTP/2 client to an HTTP/1.1 upstream", { timeout: 20_000 }, async () => {
  const { createServer } = await import("node:http");
  const { connect: h2connect } = await import("node:http2");
  const frame = (n: number): Buffer => { const b = Buffer.alloc(5 + n, 1); b[0] = 0; b.writeUInt32BE(n, 1); return b; };
  // Answers any request with three messages, the middle one large enough to span reads.
  const upstream = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/grpc" });
      res.end(Buffer.concat([frame(1), frame(70_000), frame(0)]));
    });
  });
  const port = await new Promise<number>((r) => upstream.listen(0, "127.0.0.1", () => r((upstream.address() as { port: number }).port)));
  const t = new ProxyTelemetry({ nodeId: "n", nodeMetadata: { NAMESPACE: "default", WORKLOAD_NAME: "legacy-v1", LABELS: { app: "legacy" } } });
  const cluster = "inbound|9090||";
  const config = compileHcmConfig({
    stat_prefix: "inbound_0.0.0.0_9090",
    route_config: { name: "r", virtual_hosts: [{ name: "v", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster } }] }] },
  });
  const stats = new IstioStatsFilter("istio.stats", compilePluginConfig({}), () => t);
  const hcm = new HttpConnectionManager({ ...config, filters: [stats, ...config.filters] },
    { nodeId: "n", clusters: new StaticClusterRegistry([new StaticCluster(cluster, [["127.0.0.1", port]])]) }, { observer: recordHttpTelemetry });
  const proxy = await serveNetworkFilter(hcm);
  const client = h2connect(`http://127.0.0.1:${proxy.port}`);
  try {
    const body = await new Promise<Buffer>((resolve, reject) => {
      const req = client.request({ ":method": "POST", ":path": "/legacy.Legacy/Get", "content-type": "application/grpc", te: "trailers" });
      const chunks: Buffer[] = [];
      req.on("data", (d: Buffer) => chunks.push(d));
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
      req.setTimeout(5000, () => req.close());
      // Two request messages in one write, a third split across writes.
      req.write(Buffer.concat([frame(2), frame(3)]));
      const last = frame(10);
      req.write(last.subarray(0, 3));
      req.end(last.subarray(3));
    });
    assert.equal(body.length, 5 + 1 + 5 + 70_000 + 5);
    const deadline = Date.now() + 5000;
    const at = (m: string): number => series(t, m, /reporter="destination",[^}]*request_protocol="grpc"/);
    while (at("istio_response_messages_total") < 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(at("istio_request_messages_total"), 3);
    assert.equal(at("istio_response_messages_total"), 3);
  } finally {
    client.close();
    await proxy.close();
    await new Promise<void>((r) => upstream.close(() => r()));
  }
});
