// The headers Envoy adds itself, through a running connection manager on real sockets: on
// responses `server` (server_name, default "envoy", under server_header_transformation) and the
// router's `x-envoy-upstream-service-time` (unless suppress_envoy_headers), on relayed responses
// and the proxy's own replies; on upstream requests `x-envoy-attempt-count` (a virtual host's
// include_request_attempt_count). Over HTTP/1.1 and h2c.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, request, type Server, type IncomingHttpHeaders } from "node:http";
import { connect as h2connect, type IncomingHttpHeaders as H2Headers } from "node:http2";
import type { AddressInfo } from "node:net";
import { HttpConnectionManager } from "../src/proxy/http/http-connection-manager.js";
import { compileHcmConfig } from "../src/proxy/http/hcm-config.js";
import { H1ConnectionPool } from "../src/proxy/http/upstream/connection-pool.js";
import { StaticCluster, StaticClusterRegistry } from "../src/proxy/http/testing/static-clusters.js";
import { serveNetworkFilter, type ServedFilter } from "../src/proxy/http/testing/serve-hcm.js";
import type { EnvoyJson } from "../src/proxy/contracts.js";

const UPSTREAM_DELAY_MS = 60;
let upstream: Server;
let clusters: StaticClusterRegistry;
const pools: H1ConnectionPool[] = [];
const proxies: ServedFilter[] = [];

before(async () => {
  // /app-server answers with its own Server header; /slow waits before answering; /flaky fails
  // every other request; every answer echoes the attempt count it was sent.
  let flaky = 0;
  upstream = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.setHeader("x-seen-attempt-count", String(req.headers["x-envoy-attempt-count"] ?? "none"));
      if (req.url === "/flaky" && flaky++ % 2 === 0) { res.statusCode = 503; res.end("try again"); return; }
      if (req.url === "/app-server") res.setHeader("server", "app/1.0");
      if (req.url === "/slow") setTimeout(() => res.end("slow"), UPSTREAM_DELAY_MS);
      else res.end(`hello ${req.url}`);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
  clusters = new StaticClusterRegistry([new StaticCluster("web", [["127.0.0.1", (upstream.address() as AddressInfo).port]])]);
});

after(async () => {
  for (const p of proxies) await p.close();
  for (const p of pools) p.closeAll();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

/** A proxy with these HCM fields (and router typed_config fields) routing / to the upstream and /direct to a direct response. */
async function proxyWith(hcm: EnvoyJson, router: EnvoyJson = {}, vhost: EnvoyJson = {}): Promise<number> {
  const config = compileHcmConfig({
    stat_prefix: "test",
    ...hcm,
    route_config: { name: "r", virtual_hosts: [{ name: "all", domains: ["*"], ...vhost, routes: [
      { match: { path: "/direct" }, direct_response: { status: 200, body: { inline_string: "direct" } } },
      { match: { path: "/flaky" }, route: { cluster: "web", retry_policy: { retry_on: "5xx", num_retries: 1 } } },
      { match: { prefix: "/" }, route: { cluster: "web" } },
    ] }] },
    http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router", ...router } }],
  });
  const pool = new H1ConnectionPool();
  pools.push(pool);
  const served = await serveNetworkFilter(new HttpConnectionManager(config, { nodeId: "test", clusters }, { pool }));
  proxies.push(served);
  return served.port;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path, headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => { body += c; });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on("error", reject).end();
  });
}

function h2get(port: number, path: string, headers: Record<string, string> = {}): Promise<H2Headers> {
  return new Promise((resolve, reject) => {
    const s = h2connect(`http://127.0.0.1:${port}`);
    s.on("error", reject);
    const req = s.request({ ":path": path, ...headers });
    req.on("response", (h) => { req.resume(); req.on("end", () => { s.close(); resolve(h); }); });
    req.on("error", reject);
    req.end();
  });
}

test("by default responses say server: envoy, replacing the upstream's, and carry the upstream's service time", async () => {
  const port = await proxyWith({});
  const own = await get(port, "/app-server");
  assert.equal(own.headers["server"], "envoy");
  assert.equal(own.body, "hello /app-server", "the body is relayed untouched");
  assert.match(String(own.headers["x-envoy-upstream-service-time"]), /^\d+$/);
  assert.equal((await get(port, "/plain")).headers["server"], "envoy");
  const slow = await get(port, "/slow");
  assert.ok(Number(slow.headers["x-envoy-upstream-service-time"]) >= UPSTREAM_DELAY_MS - 1, `service time ${String(slow.headers["x-envoy-upstream-service-time"])} ms`);
  const direct = await get(port, "/direct");
  assert.equal(direct.headers["server"], "envoy", "the proxy's own replies carry it too");
  assert.equal(direct.headers["x-envoy-upstream-service-time"], undefined, "no upstream, no service time");
});

test("server_name names the server; APPEND_IF_ABSENT keeps the upstream's; PASS_THROUGH adds none", async () => {
  const named = await proxyWith({ server_name: "istio-envoy" });
  assert.equal((await get(named, "/app-server")).headers["server"], "istio-envoy");
  const append = await proxyWith({ server_name: "istio-envoy", server_header_transformation: "APPEND_IF_ABSENT" });
  assert.equal((await get(append, "/app-server")).headers["server"], "app/1.0");
  assert.equal((await get(append, "/plain")).headers["server"], "istio-envoy");
  const pass = await proxyWith({ server_header_transformation: "PASS_THROUGH" });
  assert.equal((await get(pass, "/app-server")).headers["server"], "app/1.0");
  assert.equal((await get(pass, "/plain")).headers["server"], undefined);
  assert.equal((await get(pass, "/direct")).headers["server"], undefined);
});

test("the router's suppress_envoy_headers drops x-envoy-upstream-service-time", async () => {
  const port = await proxyWith({}, { suppress_envoy_headers: true });
  const r = await get(port, "/plain");
  assert.equal(r.headers["x-envoy-upstream-service-time"], undefined);
  assert.equal(r.headers["server"], "envoy");
});

test("over h2c the same headers are set", async () => {
  const port = await proxyWith({ server_name: "istio-envoy" });
  const h = await h2get(port, "/app-server");
  assert.equal(h[":status"], 200);
  assert.equal(h["server"], "istio-envoy");
  assert.match(String(h["x-envoy-upstream-service-time"]), /^\d+$/);
  assert.equal((await h2get(port, "/direct"))["server"], "istio-envoy");
});

test("a bad server_header_transformation or server_name is rejected, naming the field", () => {
  const hcm = (fields: EnvoyJson): EnvoyJson => ({ stat_prefix: "t", ...fields, route_config: { name: "r", virtual_hosts: [] } });
  assert.throws(() => compileHcmConfig(hcm({ server_header_transformation: "REPLACE" })), /server_header_transformation: must be one of OVERWRITE, APPEND_IF_ABSENT, PASS_THROUGH/);
  assert.throws(() => compileHcmConfig(hcm({ server_name: "a\r\nx-injected: 1" })), /server_name: must be a valid header value/);
  assert.equal(compileHcmConfig(hcm({ server_header_transformation: 2 })).serverHeaderTransformation, "PASS_THROUGH");
});

test("include_request_attempt_count numbers each upstream attempt, replacing the client's value", async () => {
  const port = await proxyWith({}, {}, { include_request_attempt_count: true });
  const first = await get(port, "/plain", { "x-envoy-attempt-count": "7" });
  assert.equal(first.headers["x-seen-attempt-count"], "1");
  const retried = await get(port, "/flaky");
  assert.equal(retried.status, 200);
  assert.equal(retried.headers["x-seen-attempt-count"], "2", "the retry is attempt 2");
  assert.equal((await h2get(port, "/plain"))["x-seen-attempt-count"], "1");
  const without = await proxyWith({});
  assert.equal((await get(without, "/plain")).headers["x-seen-attempt-count"], "none");
});
