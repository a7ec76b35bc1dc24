// The upstream request head, on real sockets: the first request of a client connection is read
// with the connection's first bytes (codec detection) and its head is built as a string; later
// requests on the connection, each read whole into the connection's buffer, may go as the
// client's own bytes with the proxy's lines appended (raw-request-head.ts). Either way the
// upstream must receive the same head, and any change routing makes must show.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect, type AddressInfo, type Server, type Socket } from "node:net";
import { once } from "node:events";
import { HttpConnectionManager } from "../src/proxy/http/http-connection-manager.js";
import { compileHcmConfig } from "../src/proxy/http/hcm-config.js";
import { StaticCluster, StaticClusterRegistry } from "../src/proxy/http/testing/static-clusters.js";
import { serveNetworkFilter, type ServedFilter } from "../src/proxy/http/testing/serve-hcm.js";

/** Each request as the upstream read it: head (without its final CRLF CRLF) and body. */
const received: { head: string; body: string }[] = [];
const sockets = new Set<Socket>();
let upstream: Server;
let proxy: ServedFilter;

/** Reads requests with content-length bodies; answers each with an empty 200. */
function serveUpstream(s: Socket): void {
  sockets.add(s);
  s.on("close", () => sockets.delete(s));
  let buf = "";
  s.on("data", (d: Buffer) => {
    buf += d.toString("latin1");
    for (let i = 0; i < 100; i++) {
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buf.slice(0, end);
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      received.push({ head, body: buf.slice(end + 4, end + 4 + length) });
      buf = buf.slice(end + 4 + length);
      s.write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    }
  });
}

before(async () => {
  upstream = createServer(serveUpstream);
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const port = (upstream.address() as AddressInfo).port;
  const clusters = new StaticClusterRegistry([
    new StaticCluster("web", [["127.0.0.1", port]]),
    // A new upstream connection per request: the head is written while the socket connects.
    new StaticCluster("fresh", [["127.0.0.1", port]], { maxRequestsPerConnection: 1 }),
  ]);
  const config = compileHcmConfig({
    stat_prefix: "raw",
    route_config: { name: "r", virtual_hosts: [{ name: "all", domains: ["*"], routes: [
      { match: { prefix: "/added" }, route: { cluster: "web" }, request_headers_to_add: [{ header: { key: "x-added", value: "yes" } }] },
      { match: { prefix: "/old/" }, route: { cluster: "web", prefix_rewrite: "/new/" } },
      { match: { prefix: "/host" }, route: { cluster: "web", host_rewrite_literal: "rewritten.example" } },
      { match: { prefix: "/fresh" }, route: { cluster: "fresh" } },
      { match: { prefix: "/" }, route: { cluster: "web" } },
    ] }] },
    http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
  });
  proxy = await serveNetworkFilter(new HttpConnectionManager(config, { nodeId: "raw-test", clusters }));
});

after(async () => {
  await proxy.close();
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => upstream.close(() => r()));
});

/** Sends `requests` one after another on one keep-alive connection, each after the previous response. */
async function sendInTurn(requests: string[], bodyDelayMs = -1): Promise<{ head: string; body: string }[]> {
  const from = received.length;
  const s = connect((proxy.server.address() as AddressInfo).port, "127.0.0.1");
  await once(s, "connect");
  s.on("error", () => undefined);
  let got = "";
  s.on("data", (d: Buffer) => { got += d.toString("latin1"); });
  try {
    for (const [i, r] of requests.entries()) {
      const split = r.indexOf("\r\n\r\n") + 4;
      if (bodyDelayMs >= 0 && split < r.length) {
        // Head and body in separate reads: 0 sends the body in this process's next check phase,
        // about when the proxy (in this same process) has read the head and begun connecting.
        s.write(r.slice(0, split));
        await new Promise((res) => (bodyDelayMs === 0 ? setImmediate(res) : setTimeout(res, bodyDelayMs)));
        s.write(r.slice(split));
      } else s.write(r);
      const deadline = Date.now() + 3000;
      while (got.split("HTTP/1.1 ").length - 1 <= i && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
      assert.equal(got.split("HTTP/1.1 200").length - 1, i + 1, `response ${i + 1}: ${got}`);
    }
  } finally {
    s.destroy();
  }
  return received.slice(from);
}

/** The head with its generated request id replaced by a marker. */
const noId = (head: string): string => head.replace(/x-request-id: [0-9a-f-]{36}/, "x-request-id: <id>");

test("later requests on a connection reach the upstream exactly as the first one did", async () => {
  const req = "GET /a?b=1 HTTP/1.1\r\nHost: svc.local\r\nUser-Agent: Test/1.0\r\nAccept: */*\r\n\r\n";
  const got = await sendInTurn([req, req, req]);
  const expected = "GET /a?b=1 HTTP/1.1\r\nhost: svc.local\r\nuser-agent: Test/1.0\r\naccept: */*\r\nx-forwarded-proto: http\r\nx-request-id: <id>";
  assert.deepEqual(got.map((g) => noId(g.head)), [expected, expected, expected]);
  assert.equal(new Set(got.map((g) => g.head)).size, 3, "each request has its own id");
});

test("the client's x-request-id and x-forwarded-proto are kept and not added again", async () => {
  const req = "GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: client-id\r\nX-Forwarded-Proto: https\r\n\r\n";
  const got = await sendInTurn([req, req]);
  for (const g of got) assert.equal(g.head, "GET / HTTP/1.1\r\nhost: a\r\nx-request-id: client-id\r\nx-forwarded-proto: https");
});

test("hop-by-hop fields are dropped and extra whitespace normalised on every request", async () => {
  const req = "GET / HTTP/1.1\r\nHost:   a  \r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nX-Y:  z\r\n\r\n";
  const got = await sendInTurn([req, req]);
  for (const g of got) assert.equal(noId(g.head), "GET / HTTP/1.1\r\nhost: a\r\nx-y: z\r\nx-forwarded-proto: http\r\nx-request-id: <id>");
});

test("route changes show on later requests too: added header, prefix rewrite, host rewrite", async () => {
  const added = await sendInTurn(["GET /added HTTP/1.1\r\nHost: a\r\n\r\n", "GET /added HTTP/1.1\r\nHost: a\r\n\r\n"]);
  for (const g of added) assert.match(g.head, /\r\nx-added: yes\r\n/);
  const rewritten = await sendInTurn(["GET /old/x HTTP/1.1\r\nHost: a\r\n\r\n", "GET /old/y HTTP/1.1\r\nHost: a\r\n\r\n"]);
  assert.deepEqual(rewritten.map((g) => g.head.slice(0, g.head.indexOf("\r\n"))), ["GET /new/x HTTP/1.1", "GET /new/y HTTP/1.1"]);
  const host = await sendInTurn(["GET /host HTTP/1.1\r\nHost: a\r\n\r\n", "GET /host HTTP/1.1\r\nHost: a\r\n\r\n"]);
  for (const g of host) assert.match(g.head, /\r\nhost: rewritten\.example\r\n/);
});

test("a body read while the head waits for a connecting upstream does not overwrite the head", async () => {
  const post = (n: number): string => `POST /fresh/${n} HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello-${String(n).padStart(5, "0")}`;
  for (const delay of [0, 20]) {
    const sent = Array.from({ length: 12 }, (_, i) => post(i + 1));
    const got = await sendInTurn(sent, delay);
    assert.deepEqual(got.map((g) => [g.head.slice(0, g.head.indexOf("\r\n")), g.body]),
      sent.map((_, i) => [`POST /fresh/${i + 1} HTTP/1.1`, `hello-${String(i + 1).padStart(5, "0")}`]), `body ${delay} ms after the head`);
    for (const g of got) assert.equal(noId(g.head).split("\r\n").slice(1).join("|"), "host: a|content-length: 11|x-forwarded-proto: http|x-request-id: <id>");
  }
});
