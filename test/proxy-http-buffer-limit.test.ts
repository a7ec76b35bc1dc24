// per_connection_buffer_limit_bytes on the HTTP/1.1 path, through a running connection manager
// on real sockets: the listener's limit bounds the response bytes queued for a slow client and
// the request body kept for retries; the cluster's limit bounds request bytes queued for a slow
// upstream.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer, connect, type AddressInfo, type Server as NetServer, type Socket } from "node:net";
import { HttpConnectionManager } from "../src/proxy/http/http-connection-manager.js";
import { compileHcmConfig } from "../src/proxy/http/hcm-config.js";
import { H1ConnectionPool } from "../src/proxy/http/upstream/connection-pool.js";
import type { H1UpstreamConnection } from "../src/proxy/http/upstream/h1-upstream-connection.js";
import { ClusterManager } from "../src/proxy/upstream/cluster-manager.js";
import type { Cluster, UpstreamHost } from "../src/proxy/contracts.js";
import type { HttpRequestRecord } from "../src/proxy/http/request-record.js";
import { pendingWriteBytes } from "../src/proxy/http/h1/direct-write.js";

const LISTENER_LIMIT = 128 * 1024;
const CLUSTER_LIMIT = 64 * 1024;
/** The most one read adds past a watermark: a proxy read buffer (upstream 64 KiB, client 32 KiB). */
const ONE_READ = 64 * 1024;

class WatchingPool extends H1ConnectionPool {
  readonly opened: H1UpstreamConnection[] = [];
  override open(cluster: Cluster, host: UpstreamHost): H1UpstreamConnection {
    const c = super.open(cluster, host);
    this.opened.push(c);
    return c;
  }
}

let upstream: Server;
let proxyServer: NetServer;
let proxyPort = 0;
let pool: WatchingPool;
const clientSockets: Socket[] = [];
const records: HttpRequestRecord[] = [];
const attemptsByPath = new Map<string, number>();
let sinkRequest: IncomingMessage | null = null;

before(async () => {
  upstream = createHttpServer((req, res) => {
    const path = req.url ?? "";
    attemptsByPath.set(path, (attemptsByPath.get(path) ?? 0) + 1);
    if (path.startsWith("/big/")) {
      const size = Number(path.slice(5));
      res.writeHead(200, { "content-length": String(size) });
      const block = Buffer.alloc(64 * 1024, 120);
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
    if (path === "/sink") { req.pause(); sinkRequest = req; req.on("end", () => res.end("drained")); return; }
    let n = 0;
    req.on("data", (d: Buffer) => { n += d.length; });
    req.on("end", () => { res.writeHead(503); res.end(`got ${n}`); });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const upstreamPort = (upstream.address() as AddressInfo).port;
  const clusters = new ClusterManager({ timers: false });
  clusters.set({
    name: "web", type: "STATIC", connect_timeout: "1s", per_connection_buffer_limit_bytes: CLUSTER_LIMIT,
    load_assignment: { cluster_name: "web", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: upstreamPort } } } }] }] },
  });
  pool = new WatchingPool();
  const config = compileHcmConfig({
    stat_prefix: "limits",
    route_config: { name: "r", virtual_hosts: [{ name: "all", domains: ["*"], routes: [
      { match: { prefix: "/retry" }, route: { cluster: "web", retry_policy: { retry_on: "5xx", num_retries: 2, retry_back_off: { base_interval: "0.001s" } } } },
      { match: { prefix: "/" }, route: { cluster: "web", timeout: "0s" } },
    ] }] },
    http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
  });
  const hcm = new HttpConnectionManager(config, { nodeId: "test", clusters }, { pool, observer: (r) => records.push(r) });
  // The listener's role: hand each connection over with the listener's buffer limit.
  proxyServer = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
    clientSockets.push(socket);
    socket.on("error", () => socket.destroy());
    hcm.onConnection({
      socket, remoteAddress: socket.remoteAddress ?? "", remotePort: socket.remotePort ?? 0,
      destinationAddress: socket.localAddress ?? "", destinationPort: socket.localPort ?? 0,
      listenerName: "limits", filterChainName: "", bufferLimitBytes: LISTENER_LIMIT,
    });
  });
  await new Promise<void>((r) => proxyServer.listen(0, "127.0.0.1", r));
  proxyPort = (proxyServer.address() as AddressInfo).port;
});

after(async () => {
  for (const s of clientSockets) s.destroy();
  await new Promise((r) => proxyServer.close(r));
  pool.closeAll();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

function tick(ms = 10): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** One request on a fresh connection; resolves with the status line and the body length. */
function post(path: string, bodyBytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(proxyPort, "127.0.0.1");
    const chunks: Buffer[] = [];
    s.on("data", (d: Buffer) => chunks.push(d));
    s.on("error", reject);
    s.on("close", () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const bodyAt = text.indexOf("\r\n\r\n");
      resolve({ status: Number(text.slice(9, 12)), body: bodyAt < 0 ? "" : text.slice(bodyAt + 4) });
    });
    s.write(`POST ${path} HTTP/1.1\r\nhost: limits.local\r\nconnection: close\r\ncontent-length: ${bodyBytes}\r\n\r\n`);
    s.end(Buffer.alloc(bodyBytes, 97));
  });
}

test("a request body within the listener's limit is kept and retried", async () => {
  const size = 96 * 1024; // above the fixed 64 KiB the router used to keep, below the listener's limit
  const r = await post("/retry-small", size);
  assert.equal(r.status, 503);
  assert.match(r.body, new RegExp(`got ${size}`));
  assert.equal(attemptsByPath.get("/retry-small"), 3, "the first try and two retries");
  assert.equal(records.at(-1)?.attempts, 3);
});

test("a request body beyond the listener's limit is forwarded whole but not retried", async () => {
  const size = 4 * LISTENER_LIMIT;
  const r = await post("/retry-big", size);
  assert.equal(r.status, 503, "the upstream's own answer, not a local reply");
  assert.match(r.body, new RegExp(`got ${size}`));
  assert.equal(attemptsByPath.get("/retry-big"), 1);
  assert.equal(records.at(-1)?.attempts, 1);
});

test("a client that does not read: response bytes queued for it stay near the listener's limit", async () => {
  const size = 48 * 1024 * 1024;
  const client = connect(proxyPort, "127.0.0.1");
  await new Promise<void>((r) => client.once("connect", () => r()));
  client.on("error", () => undefined);
  client.pause();
  client.write(`GET /big/${size} HTTP/1.1\r\nhost: limits.local\r\n\r\n`);
  const proxySide = (): Socket | undefined => clientSockets.at(-1);
  // Wait (bounded) until the kernel buffers are full and the proxy queues bytes itself.
  let max = 0;
  let samples = 0;
  for (let i = 0; i < 1500 && samples < 30; i++) {
    await tick();
    const side = proxySide();
    const queued = side === undefined ? 0 : pendingWriteBytes(side); // the stream's buffer and libuv's queue
    max = Math.max(max, queued);
    if (max >= LISTENER_LIMIT) samples++;
  }
  assert.ok(max >= LISTENER_LIMIT, `the proxy queued up to its limit (${max} bytes)`);
  assert.ok(max <= LISTENER_LIMIT + ONE_READ + 1024, `queued ${max} bytes for a client that does not read (limit ${LISTENER_LIMIT})`);
  let got = 0;
  const done = new Promise<void>((r) => client.on("data", (d: Buffer) => { got += d.length; if (got >= size) r(); }));
  client.resume();
  await done;
  assert.ok(got >= size, "the whole response arrives once the client reads");
  client.destroy();
});

test("an upstream that does not read: request bytes queued for it stay near the cluster's limit", async () => {
  const size = 48 * 1024 * 1024;
  const client = connect(proxyPort, "127.0.0.1");
  await new Promise<void>((r) => client.once("connect", () => r()));
  client.on("error", () => undefined);
  client.on("data", () => undefined);
  client.write(`POST /sink HTTP/1.1\r\nhost: limits.local\r\ncontent-length: ${size}\r\n\r\n`);
  const block = Buffer.alloc(256 * 1024, 98);
  let written = 0;
  let stop = false;
  const feed = (): void => {
    while (!stop && written < size) {
      written += block.length;
      if (!client.write(block)) { client.once("drain", feed); return; }
    }
  };
  feed();
  let max = 0;
  let samples = 0;
  for (let i = 0; i < 1500 && samples < 30; i++) {
    await tick();
    const conn = pool.opened.at(-1);
    const queued = conn === undefined ? 0 : pendingWriteBytes(conn.socket);
    max = Math.max(max, queued);
    if (max >= CLUSTER_LIMIT) samples++;
  }
  assert.ok(max >= CLUSTER_LIMIT, `the proxy queued up to the cluster's limit (${max} bytes)`);
  assert.ok(max <= CLUSTER_LIMIT + ONE_READ + 1024, `queued ${max} bytes for an upstream that does not read (limit ${CLUSTER_LIMIT})`);
  assert.ok(written < size, "the client is held back too");
  stop = true;
  client.destroy();
  sinkRequest?.resume();
});
