// HTTP/1.1 through a running connection manager on real sockets, against node:http upstreams.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, request, Agent, type Server, type IncomingHttpHeaders } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { HttpConnectionManager } from "../src/proxy/http/http-connection-manager.js";
import { compileHcmConfig } from "../src/proxy/http/hcm-config.js";
import { H1ConnectionPool } from "../src/proxy/http/upstream/connection-pool.js";
import { StaticCluster, StaticClusterRegistry } from "../src/proxy/http/testing/static-clusters.js";
import { serveNetworkFilter, type ServedFilter } from "../src/proxy/http/testing/serve-hcm.js";
import type { HttpRequestRecord } from "../src/proxy/http/request-record.js";

let upstream: Server;
let upstreamPort = 0;
let upstreamConnections = 0;
let flaky = 0;
let proxy: ServedFilter;
let pool: H1ConnectionPool;
const records: HttpRequestRecord[] = [];
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
let clusters: StaticClusterRegistry;

function listen(s: Server): Promise<number> {
  return new Promise((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));
}

before(async () => {
  upstream = createServer((req, res) => {
    if (req.url === "/pattern-sink") {
      // Reads the request body slowly and counts bytes that break the i % 251 pattern: a client
      // read buffer reused while the upstream write queue still holds its bytes shows up here.
      let n = 0;
      let wrong = 0;
      req.pause();
      const timer = setInterval(() => { req.resume(); setTimeout(() => req.pause(), 2); }, 10);
      req.on("data", (d: Buffer) => { for (let i = 0; i < d.length; i++) if (d[i] !== (n + i) % 251) wrong++; n += d.length; });
      req.on("end", () => { clearInterval(timer); res.end(JSON.stringify({ n, wrong })); });
      req.on("error", () => clearInterval(timer));
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      if (req.url === "/flaky" && flaky++ % 2 === 0) { res.writeHead(503); res.end("try again"); return; }
      if (req.url === "/hang") return;
      if (req.url?.startsWith("/pattern")) {
        // Byte i of the body is i % 251, sent in small pieces (many small proxy reads), so a
        // read buffer reused while a slow client's write still holds it shows as wrong bytes.
        const size = Number(req.url.slice(9));
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(size) });
        const piece = 2000; // not a multiple of 251: consecutive pieces differ
        const block = Buffer.from(Array.from({ length: piece + 251 }, (_, i) => i % 251));
        let sent = 0;
        const next = (): void => {
          if (sent >= size) { res.end(); return; }
          const n = Math.min(piece, size - sent);
          const from = sent % 251;
          sent += n;
          if (res.write(block.subarray(from, from + n))) setImmediate(next); else res.once("drain", next);
        };
        next();
        return;
      }
      if (req.url?.startsWith("/big")) {
        const size = Number(req.url.slice(5)) || 1 << 20;
        res.writeHead(200, { "content-type": "application/octet-stream" });
        const block = Buffer.alloc(16384, 97);
        let sent = 0;
        const pump = (): void => {
          while (sent < size) {
            const n = Math.min(block.length, size - sent);
            sent += n;
            if (!res.write(block.subarray(0, n))) { res.once("drain", pump); return; }
          }
          res.end();
        };
        pump();
        return;
      }
      res.setHeader("x-upstream-path", req.url ?? "");
      res.setHeader("x-upstream-host", req.headers.host ?? "");
      res.setHeader("x-seen-headers", JSON.stringify(req.headers));
      res.end(body.length > 0 ? body : `hello ${req.method} ${req.url}`);
    });
  });
  upstream.on("connection", () => upstreamConnections++);
  upstreamPort = await listen(upstream);
  const deadPort = await (async () => { const s = createServer(); const p = await listen(s); await new Promise((r) => s.close(r)); return p; })();
  clusters = new StaticClusterRegistry([
    new StaticCluster("web", [["127.0.0.1", upstreamPort]]),
    new StaticCluster("empty", []),
    new StaticCluster("dead", [["127.0.0.1", deadPort]]),
    new StaticCluster("tiny", [["127.0.0.1", upstreamPort]], { maxRequests: 0 }),
  ]);
  pool = new H1ConnectionPool();
  const config = compileHcmConfig({
    stat_prefix: "test",
    route_config: {
      name: "80",
      response_headers_to_add: [{ header: { key: "x-proxy", value: "mizzen" } }],
      virtual_hosts: [{
        name: "web", domains: ["*"],
        routes: [
          { name: "direct", match: { path: "/health" }, direct_response: { status: 200, body: { inline_string: "ok" } } },
          { name: "redirect", match: { prefix: "/old" }, redirect: { path_redirect: "/new", response_code: "FOUND" } },
          { name: "rewrite", match: { prefix: "/api/" }, route: { cluster: "web", prefix_rewrite: "/v2/", host_rewrite_literal: "backend.local" },
            request_headers_to_add: [{ header: { key: "x-added", value: "yes" } }], request_headers_to_remove: ["x-secret"] },
          { name: "flaky", match: { path: "/flaky" }, route: { cluster: "web", retry_policy: { retry_on: "5xx", num_retries: 2 } } },
          { name: "hang", match: { path: "/hang" }, route: { cluster: "web", timeout: "0.2s" } },
          { name: "empty", match: { prefix: "/empty" }, route: { cluster: "empty" } },
          { name: "dead", match: { prefix: "/dead" }, route: { cluster: "dead" } },
          { name: "tiny", match: { prefix: "/tiny" }, route: { cluster: "tiny" } },
          { name: "nocluster", match: { prefix: "/nocluster" }, route: { cluster: "missing" } },
          { name: "only-host", match: { prefix: "/only" , headers: [{ name: "x-only", present_match: true }] }, route: { cluster: "web" } },
          { name: "default", match: { prefix: "/" }, route: { cluster: "web" } },
        ],
      }, { name: "none", domains: ["noroutes.example"], routes: [] }],
    },
    http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
  });
  const hcm = new HttpConnectionManager(config, { nodeId: "test", clusters }, { pool, observer: (r) => records.push(r) });
  proxy = await serveNetworkFilter(hcm);
});

after(async () => {
  agent.destroy();
  await proxy.close();
  pool.closeAll();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

interface Res { status: number; headers: IncomingHttpHeaders; body: string }

function fetchVia(path: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string; host?: string } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: proxy.port, path, method: opts.method ?? "GET", agent,
      headers: { host: opts.host ?? "svc.local", ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

test("forwards GET over pooled keep-alive upstream connections", async () => {
  const before = upstreamConnections;
  for (let i = 0; i < 10; i++) {
    const r = await fetchVia(`/hello/${i}`);
    assert.equal(r.status, 200);
    assert.equal(r.body, `hello GET /hello/${i}`);
    assert.equal(r.headers["x-proxy"], "mizzen");
  }
  assert.ok(upstreamConnections - before <= 1, `upstream connections opened: ${upstreamConnections - before}`);
  const rec = records.at(-1);
  assert.equal(rec?.routeName, "default");
  assert.equal(rec?.cluster, "web");
  assert.equal(rec?.status, 200);
  assert.equal(rec?.upstreamHost, `127.0.0.1:${upstreamPort}`);
});

test("adds x-request-id and x-forwarded-proto, drops hop-by-hop headers", async () => {
  const r = await fetchVia("/h", { headers: { connection: "keep-alive, x-hop", "keep-alive": "timeout=5" } });
  const seen = JSON.parse(r.headers["x-seen-headers"] as string) as Record<string, string>;
  assert.match(seen["x-request-id"] ?? "", /^[0-9a-f-]{36}$/);
  assert.equal(seen["x-forwarded-proto"], "http");
  assert.equal(seen["keep-alive"], undefined);
});

test("prefix rewrite, host rewrite and request header mutations", async () => {
  const r = await fetchVia("/api/users?x=1", { headers: { "x-secret": "s" } });
  assert.equal(r.headers["x-upstream-path"], "/v2/users?x=1");
  assert.equal(r.headers["x-upstream-host"], "backend.local");
  const seen = JSON.parse(r.headers["x-seen-headers"] as string) as Record<string, string>;
  assert.equal(seen["x-added"], "yes");
  assert.equal(seen["x-secret"], undefined);
});

test("direct responses and redirects are answered by the proxy", async () => {
  const d = await fetchVia("/health");
  assert.deepEqual([d.status, d.body], [200, "ok"]);
  const r = await fetchVia("/old/x?q=1", { host: "a.example" });
  assert.equal(r.status, 302);
  assert.equal(r.headers.location, "http://a.example/new?q=1");
});

test("local replies explain themselves and carry response flags", async () => {
  const nr = await fetchVia("/x", { host: "noroutes.example" });
  assert.equal(nr.status, 404);
  assert.match(nr.body, /no route: no virtual host or route matches authority "noroutes.example" path "\/x" in route config "80"/);
  assert.deepEqual(records.at(-1)?.flags, ["NR"]);
  const uh = await fetchVia("/empty");
  assert.equal(uh.status, 503);
  assert.match(uh.body, /no healthy upstream: cluster empty \(0 endpoints/);
  assert.deepEqual(records.at(-1)?.flags, ["UH"]);
  const uf = await fetchVia("/dead");
  assert.equal(uf.status, 503);
  assert.match(uf.body, /upstream connect failure/);
  assert.deepEqual(records.at(-1)?.flags, ["UF"]);
  const uo = await fetchVia("/tiny");
  assert.equal(uo.status, 503);
  assert.deepEqual(records.at(-1)?.flags, ["UO"]);
  const nc = await fetchVia("/nocluster");
  assert.equal(nc.status, 503);
  assert.match(nc.body, /cluster not found: "missing"/);
  const ut = await fetchVia("/hang");
  assert.equal(ut.status, 504);
  assert.match(ut.body, /upstream request timeout: route "hang" cluster web after 200ms/);
  assert.deepEqual(records.at(-1)?.flags, ["UT"]);
});

test("retries a 5xx and serves the retried response", async () => {
  flaky = 0;
  const r = await fetchVia("/flaky");
  assert.equal(r.status, 200);
  assert.equal(records.at(-1)?.attempts, 2);
});

test("request bodies with content-length and chunked framing reach the upstream intact", async () => {
  const small = await fetchVia("/echo", { method: "POST", body: "ping" });
  assert.equal(small.body, "ping");
  const big = Buffer.alloc(300_000, 98);
  const chunked = await new Promise<string>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: proxy.port, path: "/echo", method: "POST", agent, headers: { host: "svc" } }, (res) => {
      const c: Buffer[] = [];
      res.on("data", (d: Buffer) => c.push(d));
      res.on("end", () => resolve(Buffer.concat(c).toString()));
    });
    req.on("error", reject);
    for (let i = 0; i < 30; i++) req.write(big.subarray(i * 10_000, (i + 1) * 10_000));
    req.end();
  });
  assert.equal(chunked.length, big.length);
  assert.equal(chunked, big.toString());
});

test("request bytes reach a slow upstream unaltered (client read buffers are not reused while a write holds them)", async () => {
  const size = 8 << 20;
  const block = Buffer.from(Array.from({ length: 3000 + 251 }, (_, i) => i % 251));
  const got = await new Promise<string>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: proxy.port, path: "/pattern-sink", method: "POST", agent,
      headers: { host: "svc", "content-length": String(size) } }, (res) => {
      const c: Buffer[] = [];
      res.on("data", (d: Buffer) => c.push(d));
      res.on("end", () => resolve(Buffer.concat(c).toString()));
    });
    req.on("error", reject);
    let sent = 0;
    const next = (): void => {
      // Small pieces (many client reads), 3000 bytes so consecutive pieces differ.
      while (sent < size) {
        const n = Math.min(3000, size - sent);
        const from = sent % 251;
        sent += n;
        if (!req.write(block.subarray(from, from + n))) { req.once("drain", next); return; }
      }
      req.end();
    };
    next();
  });
  assert.deepEqual(JSON.parse(got), { n: size, wrong: 0 });
});

test("a retried request carries the body the client sent", async () => {
  flaky = 0;
  const body = Buffer.from(Array.from({ length: 50_000 }, (_, i) => i % 251));
  const r = await fetchVia("/flaky", { method: "POST", body });
  assert.equal(r.status, 200);
  assert.equal(records.at(-1)?.attempts, 2);
  assert.equal(r.body, body.toString(), "the retried attempt echoed a different body");
});

test("large responses honour backpressure from a slow reader", async () => {
  const size = 8 << 20;
  const got = await new Promise<number>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: proxy.port, path: `/big/${size}`, agent, headers: { host: "svc" } }, (res) => {
      let n = 0;
      res.pause();
      const timer = setInterval(() => { res.resume(); setTimeout(() => res.pause(), 5); }, 20);
      res.on("data", (d: Buffer) => { n += d.length; });
      res.on("end", () => { clearInterval(timer); resolve(n); });
      res.on("error", (e) => { clearInterval(timer); reject(e); });
    });
    req.on("error", reject);
    req.end();
  });
  assert.equal(got, size);
});

test("response bytes reach a slow reader unaltered (read buffers are not reused while a write holds them)", async () => {
  const size = 8 << 20; // more than the kernel buffers between proxy and client hold
  const bad = await new Promise<number>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: proxy.port, path: `/pattern/${size}`, agent, headers: { host: "svc" } }, (res) => {
      let n = 0;
      let wrong = 0;
      res.pause();
      // Not reading at first fills the kernel buffers, so the proxy's writes to this client queue up.
      let timer: NodeJS.Timeout | undefined;
      setTimeout(() => { timer = setInterval(() => { res.resume(); setTimeout(() => res.pause(), 2); }, 10); }, 300);
      res.on("data", (d: Buffer) => { for (let i = 0; i < d.length; i++) if (d[i] !== (n + i) % 251) wrong++; n += d.length; });
      res.on("end", () => { clearInterval(timer); resolve(n === size ? wrong : -1); });
      res.on("error", (e) => { clearInterval(timer); reject(e); });
    });
    req.on("error", reject);
    req.end();
  });
  assert.equal(bad, 0);
});

test("pipelined requests are answered in order on one connection", async () => {
  const s = connect(proxy.port, "127.0.0.1");
  const data: Buffer[] = [];
  s.on("data", (d: Buffer) => data.push(d));
  s.write("GET /p1 HTTP/1.1\r\nhost: a\r\n\r\nGET /health HTTP/1.1\r\nhost: a\r\n\r\nGET /p3 HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n");
  await new Promise((r) => s.on("close", r));
  const text = Buffer.concat(data).toString();
  const i1 = text.indexOf("hello GET /p1");
  const i2 = text.indexOf("\r\n\r\nok");
  const i3 = text.indexOf("hello GET /p3");
  assert.ok(i1 >= 0 && i2 > i1 && i3 > i2, text);
  assert.equal(text.split("HTTP/1.1 200").length - 1, 3);
});

test("every circuit-breaker unit taken for requests and pending connections is released", async () => {
  for (const name of ["web", "dead", "tiny", "empty"]) {
    const c = clusters.get(name) as StaticCluster;
    assert.equal(c.inUseOf("requests"), 0, `${name} requests`);
    assert.equal(c.inUseOf("pending"), 0, `${name} pending`);
    assert.equal(c.inUseOf("retries"), 0, `${name} retries`);
  }
});
