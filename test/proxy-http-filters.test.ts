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
