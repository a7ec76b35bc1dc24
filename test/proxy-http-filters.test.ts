// Route features and HTTP filters through a running connection manager: fault injection, CORS,
// mirroring, retries across hosts, per-try timeouts, weighted and header-selected clusters.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, request, Agent, type Server, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpConnectionManager } from "../src/proxy/http/http-connection-manager.js";
import { compileHcmConfig } from "../src/proxy/http/hcm-config.js";
import { H1ConnectionPool } from "../src/proxy/http/upstream/connection-pool.js";
import { StaticCluster, StaticClusterRegistry } from "../src/proxy/http/testing/static-clusters.js";
import { serveNetworkFilter, type ServedFilter } from "../src/proxy/http/testing/serve-hcm.js";
import type { HttpRequestRecord } from "../src/proxy/http/request-record.js";

const servers: Server[] = [];
const mirrored: string[] = [];
let proxy: ServedFilter;
let pool: H1ConnectionPool;
const records: HttpRequestRecord[] = [];
const agent = new Agent({ keepAlive: true });
const FAULT = "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault";
const CORS = "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy";

async function upstream(name: string, onRequest?: (host: string) => void): Promise<number> {
  const s = createServer((req, res) => {
    onRequest?.(req.headers.host ?? "");
    if (req.url === "/slow-first" && !res.req.headers["x-not-slow"]) { setTimeout(() => res.end(name), 2500); return; }
    req.resume();
    req.on("end", () => res.end(name));
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  return (s.address() as AddressInfo).port;
}

before(async () => {
  const a = await upstream("a");
  const b = await upstream("b");
  const shadow = await upstream("shadow", (host) => mirrored.push(host));
  const deadServer = createServer();
  await new Promise<void>((r) => deadServer.listen(0, "127.0.0.1", () => r()));
  const dead = (deadServer.address() as AddressInfo).port;
  await new Promise((r) => deadServer.close(r));
  const clusters = new StaticClusterRegistry([
    new StaticCluster("a", [["127.0.0.1", a]]),
    new StaticCluster("b", [["127.0.0.1", b]]),
    new StaticCluster("shadow", [["127.0.0.1", shadow]]),
    new StaticCluster("dead-then-a", [["127.0.0.1", dead], ["127.0.0.1", a]]),
  ]);
  pool = new H1ConnectionPool();
  const config = compileHcmConfig({
    http_filters: [
      { name: "envoy.filters.http.fault", typed_config: { "@type": FAULT } },
      { name: "envoy.filters.http.cors", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors" } },
      { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } },
    ],
    route_config: { name: "r", virtual_hosts: [{
      name: "all", domains: ["*"],
      response_headers_to_add: [{ header: { key: "x-vhost", value: "all" }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" }],
      typed_per_filter_config: { "envoy.filters.http.cors": { "@type": CORS, allow_origin_string_match: [{ exact: "https://app.example" }], allow_methods: "GET,POST", max_age: "600" } },
      routes: [
        { name: "abort", match: { prefix: "/abort" }, route: { cluster: "a" },
          typed_per_filter_config: { "envoy.filters.http.fault": { "@type": FAULT, abort: { http_status: 418, percentage: { numerator: 100 } } } } },
        { name: "delay", match: { prefix: "/delay" }, route: { cluster: "a" },
          typed_per_filter_config: { "envoy.filters.http.fault": { "@type": FAULT, delay: { fixed_delay: "0.05s", percentage: { numerator: 1000000, denominator: "MILLION" } } } } },
        { name: "header-fault", match: { prefix: "/chaos" }, route: { cluster: "a" },
          typed_per_filter_config: { "envoy.filters.http.fault": { "@type": FAULT, max_active_faults: 1,
            abort: { header_abort: {}, percentage: { numerator: 100 } }, delay: { header_delay: {}, percentage: { numerator: 100 } } } } },
        { name: "targeted-fault", match: { prefix: "/targeted" }, route: { cluster: "a" },
          typed_per_filter_config: { "envoy.filters.http.fault": { "@type": FAULT, headers: [{ name: "x-chaos", present_match: true }],
            downstream_nodes: ["tester"], abort: { http_status: 503 } } } },
        { name: "other-cluster-fault", match: { prefix: "/other-cluster" }, route: { cluster: "a" },
          typed_per_filter_config: { "envoy.filters.http.fault": { "@type": FAULT, upstream_cluster: "b", abort: { http_status: 503 } } } },
        { name: "mirror", match: { prefix: "/mirror" }, route: { cluster: "a", request_mirror_policies: [{ cluster: "shadow" }] } },
        { name: "retry-hosts", match: { prefix: "/hosts" }, route: { cluster: "dead-then-a",
          retry_policy: { retry_on: "connect-failure", num_retries: 3, retry_host_predicate: [{ name: "envoy.retry_host_predicates.previous_hosts" }] } } },
        { name: "per-try", match: { prefix: "/slow-first" }, route: { cluster: "a",
          retry_policy: { retry_on: "reset", num_retries: 1, per_try_timeout: "0.4s" } },
          request_headers_to_add: [] },
        { name: "by-header", match: { prefix: "/pick" }, route: { cluster_header: "x-cluster" } },
        { name: "weighted", match: { prefix: "/weighted" }, route: { weighted_clusters: { clusters: [{ name: "a", weight: 0 }, { name: "b", weight: 100 }] } } },
        { name: "default", match: { prefix: "/" }, route: { cluster: "a" } },
      ],
    }] },
  });
  proxy = await serveNetworkFilter(new HttpConnectionManager(config, { nodeId: "t", clusters }, { pool, observer: (r) => records.push(r) }));
});

after(async () => {
  agent.destroy();
  await proxy.close();
  pool.closeAll();
  for (const s of servers) { s.closeAllConnections(); await new Promise((r) => s.close(r)); }
});

function call(path: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: proxy.port, path, method, agent, headers: { host: "svc.local:80", ...headers } }, (res) => {
      const c: Buffer[] = [];
      res.on("data", (d: Buffer) => c.push(d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(c).toString() }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("fault filter aborts (FI) and delays (DI) per route", async () => {
  const a = await call("/abort");
  assert.equal(a.status, 418);
  assert.match(a.body, /fault filter abort/);
  assert.deepEqual(records.at(-1)?.flags, ["FI"]);
  const d = await call("/delay");
  assert.deepEqual([d.status, d.body], [200, "a"]);
  assert.deepEqual(records.at(-1)?.flags, ["DI"]);
});

test("header-controlled faults (header_abort, header_delay): the request's x-envoy-fault-* headers pick them", async () => {
  assert.deepEqual([(await call("/chaos")).status, records.at(-1)?.flags], [200, []]);
  const http = await call("/chaos", { "x-envoy-fault-abort-request": "429" });
  assert.deepEqual([http.status, records.at(-1)?.flags], [429, ["FI"]]);
  const grpc = await call("/chaos", { "x-envoy-fault-abort-grpc-request": "14", "content-type": "application/grpc" });
  assert.deepEqual([grpc.status, grpc.headers["grpc-status"]], [200, "14"]);
  // The percentage header is a numerator over the configured denominator: 0 of 100 never aborts.
  const none = await call("/chaos", { "x-envoy-fault-abort-request": "429", "x-envoy-fault-abort-request-percentage": "0" });
  assert.equal(none.status, 200);
  // Out-of-range statuses inject nothing.
  assert.equal((await call("/chaos", { "x-envoy-fault-abort-request": "99" })).status, 200);
  // Delay first, then abort, as Envoy does.
  const t0 = performance.now();
  const both = await call("/chaos", { "x-envoy-fault-delay-request": "60", "x-envoy-fault-abort-request": "418" });
  assert.ok(performance.now() - t0 >= 55, "the delay comes before the abort");
  assert.deepEqual([both.status, records.at(-1)?.flags], [418, ["DI", "FI"]]);
});

test("max_active_faults: a delay over the limit is not injected", async () => {
  const slow = call("/chaos", { "x-envoy-fault-delay-request": "400" });
  await new Promise((r) => setTimeout(r, 50));
  const t0 = performance.now();
  const second = await call("/chaos", { "x-envoy-fault-delay-request": "400" });
  assert.equal(second.status, 200);
  assert.ok(performance.now() - t0 < 300, "the second request was not delayed");
  assert.deepEqual(records.at(-1)?.flags, []);
  assert.equal((await slow).status, 200);
  assert.deepEqual(records.at(-1)?.flags, ["DI"]);
});

test("faults limited by headers, downstream nodes and upstream cluster apply only to matching requests", async () => {
  assert.equal((await call("/targeted")).status, 200);
  assert.equal((await call("/targeted", { "x-chaos": "1" })).status, 200, "no x-envoy-downstream-service-node");
  assert.equal((await call("/targeted", { "x-chaos": "1", "x-envoy-downstream-service-node": "other" })).status, 200);
  assert.equal((await call("/targeted", { "x-chaos": "1", "x-envoy-downstream-service-node": "tester" })).status, 503);
  assert.equal((await call("/other-cluster")).status, 200, "the route goes to a, the fault targets b");
});

test("CORS preflight is answered by the proxy; simple requests get the allow-origin header", async () => {
  const pre = await call("/x", { origin: "https://app.example", "access-control-request-method": "POST" }, "OPTIONS");
  assert.equal(pre.status, 200);
  assert.equal(pre.headers["access-control-allow-origin"], "https://app.example");
  assert.equal(pre.headers["access-control-allow-methods"], "GET,POST");
  assert.equal(pre.headers["access-control-max-age"], "600");
  const simple = await call("/x", { origin: "https://app.example" });
  assert.equal(simple.headers["access-control-allow-origin"], "https://app.example");
  assert.equal(simple.headers["x-vhost"], "all");
  const other = await call("/x", { origin: "https://evil.example" });
  assert.equal(other.headers["access-control-allow-origin"], undefined);
});

test("mirrors go to the shadow cluster with -shadow appended to the host", async () => {
  const r = await call("/mirror");
  assert.equal(r.body, "a");
  for (let i = 0; i < 100 && mirrored.length === 0; i++) await new Promise((res) => setTimeout(res, 10));
  assert.deepEqual(mirrored, ["svc.local-shadow:80"]);
});

test("connect failures retry on another host (previous_hosts)", async () => {
  for (let i = 0; i < 4; i++) {
    const r = await call("/hosts");
    assert.deepEqual([r.status, r.body], [200, "a"]);
  }
});

test("a per-try timeout retries, then the route answers 504 UT when every try times out", async () => {
  const r = await call("/slow-first");
  assert.equal(r.status, 504);
  assert.equal(records.at(-1)?.attempts, 2);
  assert.ok(records.at(-1)?.flags.includes("UT"));
  const fast = await call("/slow-first", { "x-not-slow": "1" });
  assert.deepEqual([fast.status, fast.body], [200, "a"]);
});

test("cluster_header and weighted_clusters pick the cluster", async () => {
  assert.equal((await call("/pick", { "x-cluster": "b" })).body, "b");
  assert.equal((await call("/pick")).status, 503);
  for (let i = 0; i < 5; i++) assert.equal((await call("/weighted")).body, "b");
});
