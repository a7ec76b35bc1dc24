// The headers Envoy adds itself, through a running connection manager on real sockets: on
// responses `server` (server_name, default "envoy", under server_header_transformation) and the
// router's `x-envoy-upstream-service-time` (unless suppress_envoy_headers), on relayed responses
// and the proxy's own replies (which also carry a date); on upstream requests `x-envoy-attempt-count` (a virtual host's
// include_request_attempt_count), on responses the same count (include_attempt_count_in_response). Over HTTP/1.1 and h2c. Two upstreams: node:http, whose
// keep-alive headers make the proxy rebuild the head, and a lean one answering with heads the
// proxy leaves as they are, so Envoy's lines are spliced into its bytes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, request, type Server, type IncomingHttpHeaders } from "node:http";
import { connect as h2connect, type IncomingHttpHeaders as H2Headers } from "node:http2";
import { connect, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from "node:net";
import { HttpConnectionManager } from "../src/proxy/http/http-connection-manager.js";
import { compileHcmConfig } from "../src/proxy/http/hcm-config.js";
import { H1ConnectionPool } from "../src/proxy/http/upstream/connection-pool.js";
import { StaticCluster, StaticClusterRegistry } from "../src/proxy/http/testing/static-clusters.js";
import { serveNetworkFilter, type ServedFilter } from "../src/proxy/http/testing/serve-hcm.js";
import type { EnvoyJson } from "../src/proxy/contracts.js";

const UPSTREAM_DELAY_MS = 60;
/** The date the lean upstream's /raw/dated answers with (its other answers have none). */
const UPSTREAM_DATE = "Sun, 06 Nov 1994 08:49:37 GMT";
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} [\d:]{8} GMT$/;
/** Response i of the lean upstream's /raw/fill/i: 10 000 bytes no other response has. */
const fill = (i: number): string => `${i}:`.padEnd(10_000, String.fromCharCode(97 + (i % 26)));
let upstream: Server;
let lean: TcpServer;
const leanSockets = new Set<Socket>();
let clusters: StaticClusterRegistry;

/** The lean upstream's answer to one request head (GETs only): /raw/app-server adds its own Server line. */
function leanResponse(head: string): string {
  const path = head.slice(head.indexOf(" ") + 1, head.indexOf(" HTTP/"));
  const attempt = /\r\nx-envoy-attempt-count: *(\d+)/i.exec(head)?.[1] ?? "none";
  if (path.startsWith("/raw/size/")) return sizedResponse(Number(path.slice(10)));
  const body = path.startsWith("/raw/fill/") ? fill(Number(path.slice(10))) : `hello ${path}`;
  const server = path === "/raw/app-server" ? "Server: app/1.0\r\n" : "";
  const date = path === "/raw/dated" ? `Date: ${UPSTREAM_DATE}\r\n` : "";
  return `HTTP/1.1 200 OK\r\n${server}${date}content-length: ${body.length}\r\nx-seen-attempt-count: ${attempt}\r\n\r\n${body}`;
}

/** A response of exactly `total` bytes, with a Server line to cut and a body of numbered bytes. */
function sizedResponse(total: number): string {
  const headFor = (bodyLength: number): string => `HTTP/1.1 200 OK\r\nServer: app/1.0\r\ncontent-length: ${bodyLength}\r\n\r\n`;
  let bodyLength = total - headFor(total).length;
  bodyLength = total - headFor(bodyLength).length;
  return headFor(bodyLength) + sizedBody(bodyLength);
}
const sizedBody = (n: number): string => Array.from({ length: n }, (_, i) => String.fromCharCode(33 + (i % 90))).join("");
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
  lean = createTcpServer((sock) => {
    leanSockets.add(sock);
    sock.on("close", () => leanSockets.delete(sock));
    let pending = "";
    sock.setEncoding("latin1");
    sock.on("data", (d: string) => {
      pending += d;
      for (let end = pending.indexOf("\r\n\r\n"); end >= 0; end = pending.indexOf("\r\n\r\n")) {
        sock.write(leanResponse(pending.slice(0, end)), "latin1");
        pending = pending.slice(end + 4);
      }
    });
  });
  await new Promise<void>((r) => lean.listen(0, "127.0.0.1", () => r()));
  clusters = new StaticClusterRegistry([
    new StaticCluster("web", [["127.0.0.1", (upstream.address() as AddressInfo).port]]),
    new StaticCluster("lean", [["127.0.0.1", (lean.address() as AddressInfo).port]]),
  ]);
});

after(async () => {
  for (const p of proxies) await p.close();
  for (const p of pools) p.closeAll();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  for (const sock of leanSockets) sock.destroy();
  await new Promise((r) => lean.close(r));
});

/** A proxy with these HCM fields (and router typed_config fields) routing / to the upstream and /direct to a direct response. */
async function proxyWith(hcm: EnvoyJson, router: EnvoyJson = {}, vhost: EnvoyJson = {}, registry = clusters): Promise<number> {
  const config = compileHcmConfig({
    stat_prefix: "test",
    ...hcm,
    route_config: { name: "r", virtual_hosts: [{ name: "all", domains: ["*"], ...vhost, routes: [
      { match: { path: "/direct" }, direct_response: { status: 200, body: { inline_string: "direct" } } },
      { match: { path: "/flaky" }, route: { cluster: "web", retry_policy: { retry_on: "5xx", num_retries: 1 } } },
      { match: { prefix: "/raw/" }, route: { cluster: "lean" } },
      { match: { prefix: "/" }, route: { cluster: "web" } },
    ] }] },
    http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router", ...router } }],
  });
  const pool = new H1ConnectionPool();
  pools.push(pool);
  const served = await serveNetworkFilter(new HttpConnectionManager(config, { nodeId: "test", clusters: registry }, { pool }));
  proxies.push(served);
  return served.port;
}

/**
 * One GET on a keep-alive connection, as raw text (head and body). Node's http client asks to
 * close, which makes the proxy rebuild the head; keep-alive responses are relayed as they came,
 * Envoy's lines spliced in.
 */
function keepAliveGet(port: number, path: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const sock = connect(port, "127.0.0.1", () => sock.write(`GET ${path} HTTP/1.1\r\nhost: t\r\n\r\n`));
    let text = "";
    sock.setEncoding("latin1");
    sock.on("data", (d: string) => {
      text += d;
      const end = text.indexOf("\r\n\r\n");
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? -1);
      if (end >= 0 && length >= 0 && text.length >= end + 4 + length) { sock.destroy(); resolve(text); }
    });
    sock.on("error", reject);
  });
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
  for (const prefix of ["", "/raw"]) {
    const own = await get(port, `${prefix}/app-server`);
    assert.equal(own.headers["server"], "envoy", prefix);
    assert.equal(own.body, `hello ${prefix}/app-server`, "the body is relayed untouched");
    assert.match(String(own.headers["x-envoy-upstream-service-time"]), /^\d+$/);
    assert.equal((await get(port, `${prefix}/plain`)).headers["server"], "envoy");
  }
  const slow = await get(port, "/slow");
  assert.ok(Number(slow.headers["x-envoy-upstream-service-time"]) >= UPSTREAM_DELAY_MS - 1, `service time ${String(slow.headers["x-envoy-upstream-service-time"])} ms`);
  const direct = await get(port, "/direct");
  assert.equal(direct.headers["server"], "envoy", "the proxy's own replies carry it too");
  assert.match(String(direct.headers["date"]), HTTP_DATE, "and a date");
  assert.equal(direct.headers["x-envoy-upstream-service-time"], undefined, "no upstream, no service time");
});

test("an upstream's date is kept; a response without one gets the proxy's, spliced in or rewritten", async () => {
  const port = await proxyWith({});
  const dateLines = (text: string): string[] => [...text.slice(0, text.indexOf("\r\n\r\n")).matchAll(/\r\ndate: *([^\r]*)/gi)].map((m) => m[1] as string);
  // Keep-alive: the upstream's head bytes go out with Envoy's lines spliced in.
  assert.deepEqual(dateLines(await keepAliveGet(port, "/raw/dated")), [UPSTREAM_DATE]);
  const spliced = await keepAliveGet(port, "/raw/plain");
  assert.equal(dateLines(spliced).length, 1, spliced);
  assert.match(dateLines(spliced)[0] as string, HTTP_DATE);
  assert.ok(spliced.endsWith("hello /raw/plain"), "the body follows the spliced head");
  // A client asking to close: the head is rebuilt.
  assert.equal((await get(port, "/raw/dated")).headers["date"], UPSTREAM_DATE);
  const rebuilt = await get(port, "/raw/plain");
  assert.match(String(rebuilt.headers["date"]), HTTP_DATE);
  assert.equal(rebuilt.body, "hello /raw/plain");
  // Over h2c.
  assert.equal((await h2get(port, "/raw/dated"))["date"], UPSTREAM_DATE);
  assert.match(String((await h2get(port, "/raw/plain"))["date"]), HTTP_DATE);
});

test("server_name names the server; APPEND_IF_ABSENT keeps the upstream's; PASS_THROUGH adds none", async () => {
  const named = await proxyWith({ server_name: "istio-envoy" });
  assert.equal((await get(named, "/app-server")).headers["server"], "istio-envoy");
  assert.equal((await get(named, "/raw/app-server")).headers["server"], "istio-envoy");
  const append = await proxyWith({ server_name: "istio-envoy", server_header_transformation: "APPEND_IF_ABSENT" });
  const pass = await proxyWith({ server_header_transformation: "PASS_THROUGH" });
  for (const prefix of ["", "/raw"]) {
    assert.equal((await get(append, `${prefix}/app-server`)).headers["server"], "app/1.0");
    assert.equal((await get(append, `${prefix}/plain`)).headers["server"], "istio-envoy");
    assert.equal((await get(pass, `${prefix}/app-server`)).headers["server"], "app/1.0");
    assert.equal((await get(pass, `${prefix}/plain`)).headers["server"], undefined);
  }
  assert.equal((await get(pass, "/direct")).headers["server"], undefined);
});

test("the router's suppress_envoy_headers drops x-envoy-upstream-service-time", async () => {
  const port = await proxyWith({}, { suppress_envoy_headers: true });
  for (const path of ["/plain", "/raw/plain"]) {
    const r = await get(port, path);
    assert.equal(r.headers["x-envoy-upstream-service-time"], undefined);
    assert.equal(r.headers["server"], "envoy");
  }
});

test("over h2c the same headers are set", async () => {
  const port = await proxyWith({ server_name: "istio-envoy" });
  const h = await h2get(port, "/app-server");
  assert.equal(h[":status"], 200);
  assert.equal(h["server"], "istio-envoy");
  assert.match(String(h["x-envoy-upstream-service-time"]), /^\d+$/);
  const direct = await h2get(port, "/direct");
  assert.equal(direct["server"], "istio-envoy");
  assert.match(String(direct["date"]), / GMT$/);
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
  assert.equal((await get(port, "/raw/plain")).headers["x-seen-attempt-count"], "1");
  const retried = await get(port, "/flaky");
  assert.equal(retried.status, 200);
  assert.equal(retried.headers["x-seen-attempt-count"], "2", "the retry is attempt 2");
  assert.equal((await h2get(port, "/plain"))["x-seen-attempt-count"], "1");
  const without = await proxyWith({});
  assert.equal((await get(without, "/plain")).headers["x-seen-attempt-count"], "none");
});

test("include_attempt_count_in_response tells the client how many attempts were made, on relayed and local replies", async () => {
  const port = await proxyWith({}, {}, { include_attempt_count_in_response: true });
  for (const path of ["/plain", "/raw/plain"]) assert.equal((await get(port, path)).headers["x-envoy-attempt-count"], "1", path);
  assert.match(await keepAliveGet(port, "/raw/plain"), /\r\nx-envoy-attempt-count: 1\r\n/, "also where the head would be spliced");
  const retried = await get(port, "/flaky");
  assert.equal(retried.status, 200);
  assert.equal(retried.headers["x-envoy-attempt-count"], "2");
  assert.equal((await h2get(port, "/plain"))["x-envoy-attempt-count"], "1");
  assert.equal((await get(port, "/direct")).headers["x-envoy-attempt-count"], undefined, "no upstream attempt, no count");
  // A cluster whose one endpoint refuses connections: the proxy's 503 after the attempt.
  const closed = createTcpServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const dead = new StaticClusterRegistry([new StaticCluster("web", [["127.0.0.1", deadPort]]), new StaticCluster("lean", [["127.0.0.1", deadPort]])]);
  const failing = await proxyWith({}, {}, { include_attempt_count_in_response: true }, dead);
  const refused = await get(failing, "/plain");
  assert.equal(refused.status, 503);
  assert.equal(refused.headers["x-envoy-attempt-count"], "1");
  assert.equal((await h2get(failing, "/plain"))["x-envoy-attempt-count"], "1");
  assert.equal((await get(await proxyWith({}), "/plain")).headers["x-envoy-attempt-count"], undefined, "off by default");
});

test("a client that reads late gets every spliced response intact while others are served (queued bytes are never overwritten)", async () => {
  const port = await proxyWith({});
  const COUNT = 800; // 8 MB of responses: more than the sockets buffer, so writes queue in the proxy
  const slow = connect(port, "127.0.0.1");
  await new Promise<void>((r) => slow.once("connect", () => r()));
  slow.pause();
  let requests = "";
  for (let i = 0; i < COUNT; i++) requests += `GET /raw/fill/${i} HTTP/1.1\r\nhost: t\r\n\r\n`;
  slow.write(requests);
  await new Promise((r) => setTimeout(r, 300));
  // Meanwhile another client's responses are spliced too.
  for (let i = 0; i < 50; i++) assert.equal((await get(port, `/raw/fill/${COUNT + i}`)).body, fill(COUNT + i));
  const chunks: Buffer[] = [];
  slow.on("data", (d: Buffer) => chunks.push(d));
  slow.resume();
  const all = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${Buffer.concat(chunks).length} bytes after 20 s`)), 20_000);
    const check = (): void => {
      const text = Buffer.concat(chunks).toString("latin1");
      if ((text.match(/HTTP\/1\.1 200/g) ?? []).length === COUNT && text.endsWith(fill(COUNT - 1))) { clearTimeout(timer); resolve(text); }
    };
    slow.on("data", check);
  });
  slow.destroy();
  const bodies = all.split(/HTTP\/1\.1 200 OK\r\n[^]*?\r\n\r\n/).slice(1);
  assert.equal(bodies.length, COUNT);
  for (let i = 0; i < COUNT; i++) assert.equal(bodies[i], fill(i), `response ${i}`);
  assert.equal((all.match(/\r\nserver: envoy\r\n/g) ?? []).length, COUNT);
});

test("responses that fill the proxy's 64 KiB upstream read, or nearly, or spill over, arrive whole with Envoy's lines", async () => {
  const check = async (port: number, total: number, server: string): Promise<void> => {
    const raw = await keepAliveGet(port, `/raw/size/${total}`);
    const split = raw.indexOf("\r\n\r\n");
    const head = raw.slice(0, split + 2);
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/, `${total}`);
    assert.equal(head.match(/\r\nserver: /gi)?.length, 1, `one server line (${total})`);
    assert.ok(head.includes(`\r\nserver: ${server}\r\n`), `server: ${server.slice(0, 20)} (${total})`);
    assert.match(head, /\r\nx-envoy-upstream-service-time: \d+\r\n/);
    const expected = sizedResponse(total);
    assert.equal(raw.slice(split + 4), expected.slice(expected.indexOf("\r\n\r\n") + 4), `body of the ${total}-byte response`);
  };
  const port = await proxyWith({});
  for (const total of [200, 65_536 - 40, 65_536 - 1, 65_536, 65_536 + 1, 200_000]) await check(port, total, "envoy");
  // A long server_name: a response that arrives in one read no longer fits its buffer once spliced.
  const name = `mesh-${"x".repeat(2000)}`;
  const long = await proxyWith({ server_name: name });
  for (const total of [60_000, 64_000, 65_000]) await check(long, total, name);
});

test("through two proxies the client sees one server header and one service time, the nearer proxy's", async () => {
  const server = await proxyWith({ server_name: "istio-envoy" });
  const client = await proxyWith({}, {}, {}, new StaticClusterRegistry([new StaticCluster("web", [["127.0.0.1", server]]), new StaticCluster("lean", [["127.0.0.1", server]])]));
  for (const path of ["/plain", "/raw/plain"]) {
    const raw = await keepAliveGet(client, path);
    const head = raw.slice(0, raw.indexOf("\r\n\r\n")).toLowerCase();
    assert.equal(head.match(/\r\nserver: /g)?.length, 1, head);
    assert.match(head, /\r\nserver: envoy\r\n/);
    assert.equal(head.match(/\r\nx-envoy-upstream-service-time: /g)?.length, 1, head);
  }
});
