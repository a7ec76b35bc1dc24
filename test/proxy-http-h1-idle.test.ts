// Idle timeouts of plaintext HTTP/1.1 client connections, on real sockets: the HCM's
// stream_idle_timeout (no bytes either way for an open request, or for a head begun and left)
// and its common_http_protocol_options.idle_timeout (no request open). Bytes moving in either
// direction restart the stream's clock; an open request, however long, holds off the
// connection's.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { createServer as createH2Server, type Http2Server } from "node:http2";
import { connect, type AddressInfo, type Socket } from "node:net";
import { once } from "node:events";
import { HttpConnectionManager } from "../src/proxy/http/http-connection-manager.js";
import { compileHcmConfig } from "../src/proxy/http/hcm-config.js";
import { StaticCluster, StaticClusterRegistry } from "../src/proxy/http/testing/static-clusters.js";
import { serveNetworkFilter, type ServedFilter } from "../src/proxy/http/testing/serve-hcm.js";
import type { HttpRequestRecord } from "../src/proxy/http/request-record.js";
import { closeUpstreamSessions } from "../src/proxy/http/h2/upstream-sessions.js";

const STREAM_IDLE_MS = 300;
const CONNECTION_IDLE_MS = 400;

let upstream: Server;
/** An HTTP/2-only upstream: its responses reach HTTP/1.1 clients through the h2 bridge. */
let h2Upstream: Http2Server;
let proxy: ServedFilter;
const records: HttpRequestRecord[] = [];
const timers = new Set<NodeJS.Timeout>();

/** A byte every 100 ms for 800 ms: longer than both idle timeouts, never quiet for either. */
function drip(write: (s: string) => void, end: () => void): void {
  let n = 0;
  const t = setInterval(() => {
    write(String(n % 10));
    if (++n === 8) { clearInterval(t); timers.delete(t); end(); }
  }, 100);
  timers.add(t);
}

before(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/hang") return;
      if (req.url === "/drip") {
        res.writeHead(200, { "content-type": "text/plain" });
        drip((s) => res.write(s), () => res.end());
        return;
      }
      res.end(`echo ${Buffer.concat(chunks).toString()}`);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const upPort = (upstream.address() as AddressInfo).port;
  h2Upstream = createH2Server();
  h2Upstream.on("stream", (stream) => {
    stream.on("error", () => undefined);
    stream.respond({ ":status": 200, "content-type": "text/plain" });
    drip((s) => stream.write(s), () => stream.end());
  });
  await new Promise<void>((r) => h2Upstream.listen(0, "127.0.0.1", r));
  const h2Port = (h2Upstream.address() as AddressInfo).port;
  const clusters = new StaticClusterRegistry([
    new StaticCluster("web", [["127.0.0.1", upPort]]),
    new StaticCluster("h2web", [["127.0.0.1", h2Port]], { http2: true }),
  ]);
  const config = compileHcmConfig({
    stat_prefix: "idle",
    stream_idle_timeout: `${STREAM_IDLE_MS / 1000}s`,
    common_http_protocol_options: { idle_timeout: `${CONNECTION_IDLE_MS / 1000}s` },
    route_config: { name: "r", virtual_hosts: [{ name: "all", domains: ["*"], routes: [
      { match: { prefix: "/h2" }, route: { cluster: "h2web", timeout: "10s" } },
      { match: { prefix: "/" }, route: { cluster: "web", timeout: "10s" } },
    ] }] },
    http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
  });
  const hcm = new HttpConnectionManager(config, { nodeId: "idle-test", clusters }, { observer: (r) => records.push(r) });
  proxy = await serveNetworkFilter(hcm);
});

after(async () => {
  for (const t of timers) clearInterval(t);
  await proxy.close();
  closeUpstreamSessions();
  await new Promise<void>((r) => h2Upstream.close(() => r()));
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

/** A raw client: everything the proxy sends, and when it closed. */
async function client(): Promise<{ s: Socket; text: () => string; closed: Promise<number> }> {
  const s = connect((proxy.server.address() as AddressInfo).port, "127.0.0.1");
  await once(s, "connect");
  let got = "";
  s.on("data", (d: Buffer) => { got += d.toString("latin1"); });
  s.on("error", () => undefined);
  const closed = new Promise<number>((r) => s.once("close", () => r(performance.now())));
  return { s, text: () => got, closed };
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const responses = (text: string): number => text.split("HTTP/1.1 200").length - 1;

/** The body of one chunked response. */
function dechunk(text: string): string {
  let rest = text.slice(text.indexOf("\r\n\r\n") + 4);
  let body = "";
  for (let i = 0; i < 100; i++) {
    const eol = rest.indexOf("\r\n");
    const size = parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) break;
    body += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 4 + size);
  }
  return body;
}

test("a keep-alive connection with no request open closes after idle_timeout", async () => {
  const c = await client();
  try {
    c.s.write("GET /a HTTP/1.1\r\nhost: x\r\n\r\n");
    await until(() => c.text().endsWith("echo "), "the response");
    const answeredAt = performance.now();
    const closedAt = await c.closed;
    const quiet = closedAt - answeredAt;
    assert.ok(quiet >= CONNECTION_IDLE_MS - 20 && quiet < CONNECTION_IDLE_MS + 1500, `closed after ${quiet.toFixed(0)} ms`);
  } finally {
    c.s.destroy();
  }
});

test("requests closer together than idle_timeout keep the connection", async () => {
  const c = await client();
  try {
    // Six requests 150 ms apart: 750 ms in all, well past one idle_timeout.
    for (let i = 1; i <= 6; i++) {
      c.s.write(`GET /k${i} HTTP/1.1\r\nhost: x\r\n\r\n`);
      await until(() => responses(c.text()) === i, `response ${i}`);
      if (i < 6) await sleep(150);
    }
    assert.equal(c.s.destroyed, false);
  } finally {
    c.s.destroy();
  }
});

/** GETs `path`, whose upstream drips its body, and checks the whole response arrived. */
async function dripped(path: string, what: string): Promise<void> {
  const c = await client();
  try {
    c.s.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`);
    await until(() => c.text().includes("\r\n0\r\n\r\n"), what, 5000);
    assert.match(c.text(), /^HTTP\/1\.1 200/);
    assert.equal(dechunk(c.text()), "01234567");
  } finally {
    c.s.destroy();
  }
}

test("a response that keeps moving outlives both timeouts", () => dripped("/drip", "the whole dripped response"));

test("a response from an HTTP/2-only upstream that keeps moving outlives both timeouts", () => dripped("/h2drip", "the whole bridged response"));

test("a request body sent slowly keeps its stream open", async () => {
  const c = await client();
  try {
    c.s.write("POST /slow-body HTTP/1.1\r\nhost: x\r\ncontent-length: 6\r\n\r\n");
    for (const ch of "abcdef") { await sleep(100); c.s.write(ch); }
    await until(() => c.text().endsWith("echo abcdef"), "the echoed body");
    assert.match(c.text(), /^HTTP\/1\.1 200/);
  } finally {
    c.s.destroy();
  }
});

test("an open request with nothing moving gets 408 after stream_idle_timeout", async () => {
  const c = await client();
  try {
    const sentAt = performance.now();
    c.s.write("GET /hang HTTP/1.1\r\nhost: x\r\n\r\n");
    await until(() => c.text().includes("stream timeout"), "the 408");
    const waited = performance.now() - sentAt;
    assert.match(c.text(), /^HTTP\/1\.1 408/);
    assert.ok(waited >= STREAM_IDLE_MS - 20, `answered after ${waited.toFixed(0)} ms`);
    const r = records.find((x) => x.path === "/hang");
    assert.ok(r?.flags.includes("SI"), `flags: ${r?.flags.join(",")}`);
  } finally {
    c.s.destroy();
  }
});

test("a head begun and left gets 408 stream timeout, and the connection closes", async () => {
  const c = await client();
  try {
    c.s.write("GET /left HTTP/1.1\r\nho");
    await c.closed;
    assert.match(c.text(), /^HTTP\/1\.1 408/);
    assert.match(c.text(), /stream timeout: stream_idle_timeout/);
  } finally {
    c.s.destroy();
  }
});
