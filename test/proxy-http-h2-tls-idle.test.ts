// Stream idle timeouts on the HTTP/2 path through a TLS listener: the HCM's stream_idle_timeout
// answers 408 (flag SI, details stream_idle_timeout) before the response starts and resets the
// stream after; a route's idle_timeout replaces it, and 0 disables it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type ServerResponse } from "node:http";
import { connect as h2connect, type ClientHttp2Session } from "node:http2";
import { request as httpsRequest } from "node:https";
import { connect as tlsConnect } from "node:tls";
import type { AddressInfo, Socket } from "node:net";
import { HCM_TYPE_URL, httpConnectionManagerFactory } from "../src/proxy/http/http-connection-manager.js";
import { DOWNSTREAM_TLS_TYPE } from "../src/proxy/tls/downstream.js";
import { makeCa, makeLeaf } from "../src/proxy/tls/test-certs.js";
import { harness, listenerJson, type Harness } from "./proxy-listener-fixtures.js";

function within<T>(p: Promise<T>, label: string, ms = 10_000): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { t = setTimeout(() => reject(new Error(`${label}: no answer within ${ms} ms`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

interface Outcome { status: number; body: string; rstCode: number | undefined }

function get(s: ClientHttp2Session, path: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const r = s.request({ ":path": path });
    let status = 0;
    let body = "";
    r.on("response", (h) => { status = Number(h[":status"]); });
    r.setEncoding("utf8");
    r.on("data", (d: string) => { body += d; });
    r.on("error", () => undefined);
    r.on("close", () => resolve({ status, body, rstCode: r.rstCode }));
  });
}

/** HTTP/1.1 over TLS; `aborted` when the connection was reset mid-response. */
function h1get(port: number, ca: string, path: string): Promise<{ status: number; body: string; aborted: boolean }> {
  return new Promise((resolve) => {
    const opts = { host: "127.0.0.1", port, path, ca, servername: "localhost", ALPNProtocols: ["http/1.1"], agent: false };
    const req = httpsRequest(opts, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => { body += d; });
      res.on("error", () => undefined);
      res.on("close", () => resolve({ status: res.statusCode ?? 0, body, aborted: !res.complete }));
    });
    req.on("error", () => resolve({ status: 0, body: "", aborted: true }));
    req.end();
  });
}

describe("stream idle timeouts on HTTP/2 and HTTP/1.1 through a TLS listener", () => {
  let h: Harness;
  let upstream: Server;
  const held: ServerResponse[] = [];
  const upSockets = new Set<Socket>();
  let client: ClientHttp2Session;
  let port = 0;
  let caPem = "";

  before(async () => {
    upstream = createServer((req, res) => {
      if (req.url === "/hang") { held.push(res); return; }
      if (req.url === "/hang-after-head") { res.writeHead(200); res.write("partial"); held.push(res); return; }
      // Answers after a pause longer than the HCM's stream idle timeout.
      setTimeout(() => res.end(`late ${req.url}`), 700);
    });
    upstream.on("connection", (s: Socket) => { upSockets.add(s); s.on("close", () => upSockets.delete(s)); });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
    h = harness(200, [httpConnectionManagerFactory]);
    h.addCluster("web", [(upstream.address() as AddressInfo).port]);
    const ca = await makeCa("idle CA");
    const leaf = await makeLeaf(ca, { cn: "localhost", dns: ["localhost"] });
    const l = await h.manager.apply(listenerJson("idle", [{
      filters: [{ name: "envoy.filters.network.http_connection_manager", typed_config: {
        "@type": HCM_TYPE_URL, stat_prefix: "idle", codec_type: "AUTO", stream_idle_timeout: "0.3s",
        route_config: { name: "r", virtual_hosts: [{ name: "all", domains: ["*"], routes: [
          { match: { prefix: "/no-idle" }, route: { cluster: "web", idle_timeout: "0s" } },
          { match: { prefix: "/long-idle" }, route: { cluster: "web", idle_timeout: "30s" } },
          { match: { prefix: "/" }, route: { cluster: "web" } },
        ] }] },
        http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
      } }],
      transport_socket: { name: "envoy.transport_sockets.tls", typed_config: { "@type": DOWNSTREAM_TLS_TYPE, common_tls_context: {
        alpn_protocols: ["h2", "http/1.1"],
        tls_certificates: [{ certificate_chain: { inline_string: leaf.certPem }, private_key: { inline_string: leaf.keyPem } }],
      } } },
    }]));
    port = l.port;
    caPem = ca.certPem;
    client = h2connect(`https://localhost:${l.port}`, { createConnection: () => tlsConnect({ host: "127.0.0.1", port: l.port, ca: ca.certPem, servername: "localhost", ALPNProtocols: ["h2"] }) });
    client.on("error", () => undefined);
  });

  after(async () => {
    client.destroy();
    for (const r of held) r.destroy();
    await h.close();
    for (const s of upSockets) s.destroy();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  it("answers 408 stream timeout when nothing moves before the response starts", async () => {
    const r = await within(get(client, "/hang"), "idle 408");
    assert.equal(r.status, 408);
    assert.match(r.body, /stream timeout/);
    assert.match(r.body, /stream_idle_timeout/);
  });

  it("resets the stream when it goes idle after the response started", async () => {
    const r = await within(get(client, "/hang-after-head"), "idle reset");
    assert.equal(r.status, 200);
    assert.equal(r.body, "partial");
    assert.notEqual(r.rstCode, 0, "the stream ends with a reset, not a clean end");
  });

  it("lets a route's idle_timeout replace it (30s) or disable it (0s)", async () => {
    const [off, long] = await within(Promise.all([get(client, "/no-idle"), get(client, "/long-idle")]), "route idle");
    assert.deepEqual([off.status, off.body], [200, "late /no-idle"]);
    assert.deepEqual([long.status, long.body], [200, "late /long-idle"]);
  });

  it("applies the same timeouts to HTTP/1.1 requests: 408, reset after the head, route override", async () => {
    const r408 = await within(h1get(port, caPem, "/hang"), "h1 idle 408");
    assert.equal(r408.status, 408);
    assert.match(r408.body, /stream timeout: stream_idle_timeout/);
    const reset = await within(h1get(port, caPem, "/hang-after-head"), "h1 idle reset");
    assert.deepEqual([reset.status, reset.body, reset.aborted], [200, "partial", true]);
    const [off, long] = await within(Promise.all([h1get(port, caPem, "/no-idle"), h1get(port, caPem, "/long-idle")]), "h1 route idle");
    assert.deepEqual([off.status, off.body], [200, "late /no-idle"]);
    assert.deepEqual([long.status, long.body], [200, "late /long-idle"]);
  });
});
