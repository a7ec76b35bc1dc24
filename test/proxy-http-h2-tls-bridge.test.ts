// HTTP/1.1 clients (over a TLS listener, ALPN http/1.1) routed to HTTP/2-only clusters are bridged:
// the request goes out as an h2 stream, the response comes back as HTTP/1.1 (chunked when the
// upstream sent no content-length), bodies in both framings, keep-alive kept, failures as 503 UF.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer as createH2Server, type Http2Server } from "node:http2";
import { Agent, request as httpsRequest } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { HCM_TYPE_URL, httpConnectionManagerFactory } from "../src/proxy/http/http-connection-manager.js";
import { closeUpstreamSessions } from "../src/proxy/http/h2/upstream-sessions.js";
import { DOWNSTREAM_TLS_TYPE } from "../src/proxy/tls/downstream.js";
import { makeCa, makeLeaf } from "../src/proxy/tls/test-certs.js";
import { freePort, harness, listenerJson, type Harness } from "./proxy-listener-fixtures.js";

function within<T>(p: Promise<T>, label: string, ms = 15_000): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { t = setTimeout(() => reject(new Error(`${label}: no answer within ${ms} ms`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

interface Reply { status: number; body: Buffer; headers: IncomingHttpHeaders; socket: Socket }

describe("HTTP/1.1 clients bridged to HTTP/2-only clusters", () => {
  let h: Harness;
  let up: Http2Server;
  const upSockets = new Set<Socket>();
  let port = 0;
  let caPem = "";
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });

  function req(path: string, opts: { body?: Buffer[]; length?: boolean; method?: string } = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const total = (opts.body ?? []).reduce((n, b) => n + b.length, 0);
      const o = {
        host: "127.0.0.1", port, path, method: opts.method ?? (opts.body ? "POST" : "GET"), ca: caPem, servername: "localhost", ALPNProtocols: ["http/1.1"], agent,
        headers: opts.body && opts.length ? { "content-length": String(total) } : {},
      };
      const r = httpsRequest(o, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers, socket: res.socket as Socket }));
      });
      r.on("error", reject);
      for (const b of opts.body ?? []) r.write(b);
      r.end();
    });
  }

  before(async () => {
    up = createH2Server();
    up.on("stream", (stream, headers) => {
      stream.on("error", () => undefined);
      const chunks: Buffer[] = [];
      stream.on("data", (d: Buffer) => chunks.push(d));
      stream.on("end", () => {
        const body = Buffer.concat(chunks);
        if (headers[":path"] === "/sized") {
          stream.respond({ ":status": 201, "content-length": "5", "x-upstream": "h2" });
          stream.end("sized");
          return;
        }
        stream.respond({ ":status": 200, "x-upstream": "h2", "x-method": String(headers[":method"]), "x-authority": String(headers[":authority"]) });
        stream.end(body.length > 0 ? body : Buffer.from(`h2 ${String(headers[":path"])}`));
      });
    });
    up.on("connection", (s: Socket) => { upSockets.add(s); s.on("close", () => upSockets.delete(s)); });
    await new Promise<void>((r) => up.listen(0, "127.0.0.1", () => r()));
    h = harness(200, [httpConnectionManagerFactory]);
    h.addCluster("h2only", [(up.address() as AddressInfo).port], { http2_protocol_options: {} });
    h.addCluster("h2down", [await freePort()], { http2_protocol_options: {} });
    const ca = await makeCa("bridge CA");
    caPem = ca.certPem;
    const leaf = await makeLeaf(ca, { cn: "localhost", dns: ["localhost"] });
    const l = await h.manager.apply(listenerJson("bridge", [{
      filters: [{ name: "envoy.filters.network.http_connection_manager", typed_config: {
        "@type": HCM_TYPE_URL, stat_prefix: "bridge", codec_type: "AUTO",
        route_config: { name: "r", virtual_hosts: [{ name: "all", domains: ["*"], routes: [
          { match: { prefix: "/down" }, route: { cluster: "h2down" } },
          { match: { prefix: "/" }, route: { cluster: "h2only" } },
        ] }] },
        http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
      } }],
      transport_socket: { name: "envoy.transport_sockets.tls", typed_config: { "@type": DOWNSTREAM_TLS_TYPE, common_tls_context: {
        alpn_protocols: ["h2", "http/1.1"],
        tls_certificates: [{ certificate_chain: { inline_string: leaf.certPem }, private_key: { inline_string: leaf.keyPem } }],
      } } },
    }]));
    port = l.port;
  });

  after(async () => {
    agent.destroy();
    await h.close();
    closeUpstreamSessions();
    for (const s of upSockets) s.destroy();
    await new Promise<void>((r) => up.close(() => r()));
  });

  it("forwards a GET as an h2 stream and answers over HTTP/1.1 (chunked, keep-alive)", async () => {
    const a = await within(req("/hello"), "bridged GET");
    assert.deepEqual([a.status, a.body.toString(), a.headers["x-upstream"], a.headers["x-method"]], [200, "h2 /hello", "h2", "GET"]);
    assert.equal(a.headers["transfer-encoding"], "chunked");
    assert.match(String(a.headers["x-authority"]), /^127\.0\.0\.1:\d+$/);
    const b = await within(req("/sized"), "bridged sized");
    assert.deepEqual([b.status, b.body.toString(), b.headers["content-length"]], [201, "sized", "5"]);
    assert.equal(a.socket, b.socket, "the client connection was kept alive");
  });

  it("carries request bodies with content-length and chunked framing (1 MiB)", async () => {
    const big = Buffer.alloc(1 << 20, 7);
    for (let i = 0; i < big.length; i += 997) big[i] = i & 0xff;
    const parts = [big.subarray(0, 300_000), big.subarray(300_000, 700_001), big.subarray(700_001)];
    const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
    const sized = await within(req("/echo", { body: parts, length: true }), "content-length body");
    assert.deepEqual([sized.status, sha(sized.body)], [200, sha(big)]);
    const chunked = await within(req("/echo", { body: parts }), "chunked body");
    assert.deepEqual([chunked.status, sha(chunked.body)], [200, sha(big)]);
  });

  it("answers 503 UF when the HTTP/2 upstream cannot be reached", async () => {
    const r = await within(req("/down"), "bridged failure");
    assert.equal(r.status, 503);
    assert.match(r.body.toString(), /upstream connect failure/);
  });
});
