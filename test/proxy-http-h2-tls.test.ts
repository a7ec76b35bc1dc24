// HTTP/2 and HTTP/1.1 over a real TLS-terminating listener in front of the connection manager
// (codec AUTO and HTTP2): ALPN h2 and http/1.1 on one port, gRPC over TLS, large streamed bodies
// both ways, and clients resetting streams mid-body. Every wait is bounded by `within`.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer as createH1Server, type IncomingMessage, type Server as H1Server } from "node:http";
import { connect as h2connect, constants, createServer as createH2Server, type ClientHttp2Session, type Http2Server } from "node:http2";
import { request as httpsRequest } from "node:https";
import { connect as tlsConnect } from "node:tls";
import type { AddressInfo, Socket } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { HCM_TYPE_URL, httpConnectionManagerFactory } from "../src/proxy/http/http-connection-manager.js";
import { closeUpstreamSessions } from "../src/proxy/http/h2/upstream-sessions.js";
import { DOWNSTREAM_TLS_TYPE } from "../src/proxy/tls/downstream.js";
import { makeCa, makeLeaf, type TestCa } from "../src/proxy/tls/test-certs.js";
import { harness, listenerJson, type Harness } from "./proxy-listener-fixtures.js";

const BIG = 8 * 1024 * 1024;
const identity = (b: Buffer): Buffer => b;
const ECHO: grpc.ServiceDefinition = {
  Unary: { path: "/test.Echo/Unary", requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
  Stream: { path: "/test.Echo/Stream", requestStream: true, responseStream: true, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
};

/** Rejects when `p` has not settled after `ms` (a hang fails the test instead of stalling it). */
function within<T>(p: Promise<T>, label: string, ms = 10_000): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { t = setTimeout(() => reject(new Error(`${label}: no answer within ${ms} ms`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

function patterned(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i += 4) b.writeUInt32BE(i, i);
  return b;
}

function sha(b: Buffer): string {
  return createHash("sha256").update(b).digest("hex");
}

function hcm(codec: string): Record<string, unknown> {
  return {
    name: "envoy.filters.network.http_connection_manager",
    typed_config: {
      "@type": HCM_TYPE_URL, stat_prefix: "tls_" + codec, codec_type: codec,
      route_config: { name: "r", virtual_hosts: [{ name: "all", domains: ["*"], routes: [
        { match: { prefix: "/test.Echo/" }, route: { cluster: "grpc" } },
        { match: { prefix: "/h2/" }, route: { cluster: "h2" } },
        { match: { prefix: "/" }, route: { cluster: "h1" } },
      ] }] },
      http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
    },
  };
}

function tlsListener(name: string, codec: string, certPem: string, keyPem: string): Record<string, unknown> {
  return listenerJson(name, [{
    filters: [hcm(codec)],
    transport_socket: { name: "envoy.transport_sockets.tls", typed_config: { "@type": DOWNSTREAM_TLS_TYPE, common_tls_context: {
      alpn_protocols: ["h2", "http/1.1"],
      tls_certificates: [{ certificate_chain: { inline_string: certPem }, private_key: { inline_string: keyPem } }],
    } } },
  }], { listener_filters: [{ name: "envoy.filters.listener.tls_inspector", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector" } }] });
}

interface Reply { status: number; body: Buffer; headers: Record<string, unknown> }

/** One request on an HTTP/2 session; resolves with status, body and headers. */
function h2req(s: ClientHttp2Session, path: string, body?: Buffer, method = body ? "POST" : "GET"): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const r = s.request({ ":method": method, ":path": path }, { endStream: body === undefined });
    const chunks: Buffer[] = [];
    let headers: Record<string, unknown> = {};
    r.on("response", (h) => { headers = h; });
    r.on("data", (d: Buffer) => chunks.push(d));
    r.on("end", () => resolve({ status: Number(headers[":status"]), body: Buffer.concat(chunks), headers }));
    r.on("error", reject);
    if (body) r.end(body);
  });
}

/** HTTP/1.1 over TLS (ALPN http/1.1), as `curl --http1.1 -k` does. */
function h1req(port: number, path: string, ca: string, body?: Buffer): Promise<Reply & { alpn: string | false }> {
  return new Promise((resolve, reject) => {
    const opts = { host: "127.0.0.1", port, path, method: body ? "POST" : "GET", ca, servername: "localhost", ALPNProtocols: ["http/1.1"], agent: false };
    const req = httpsRequest(opts, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers, alpn: (res.socket as Socket & { alpnProtocol?: string | false }).alpnProtocol ?? false }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("HTTP/2 and HTTP/1.1 through a TLS listener", () => {
  let h: Harness;
  let ca: TestCa;
  let h1: H1Server;
  let h2: Http2Server;
  let grpcServer: grpc.Server;
  const upSockets = new Set<Socket>();
  let autoPort = 0;
  let h2OnlyPort = 0;
  const sessions: ClientHttp2Session[] = [];
  let abortedUpstream = 0;
  let abortedSeen: () => void = () => undefined;
  let sinkArrived: () => void = () => undefined;

  function session(port: number, alpn = ["h2", "http/1.1"]): ClientHttp2Session {
    const s = h2connect(`https://localhost:${port}`, { maxSessionMemory: 64, ca: ca.certPem, ALPNProtocols: alpn, createConnection: () => tlsConnect({ host: "127.0.0.1", port, ca: ca.certPem, servername: "localhost", ALPNProtocols: alpn }) });
    s.on("error", () => undefined);
    sessions.push(s);
    return s;
  }

  before(async () => {
    ca = await makeCa("h2 tls CA");
    const leaf = await makeLeaf(ca, { cn: "localhost", dns: ["localhost"] });
    h1 = createH1Server((req, res) => {
      if (req.url === "/slow-sink") {
        // Reads the body; a client reset upstream shows as an aborted request.
        sinkArrived();
        req.on("data", () => undefined);
        req.on("close", () => { if (!req.complete) { abortedUpstream++; abortedSeen(); } });
        req.on("end", () => res.end("complete"));
        return;
      }
      if (req.url === "/big-down") {
        res.writeHead(200, { "content-length": String(BIG) });
        res.end(patterned(BIG));
        return;
      }
      res.setHeader("x-upstream", "h1");
      req.pipe(res);
    });
    h1.on("connection", (s: Socket) => { upSockets.add(s); s.on("close", () => upSockets.delete(s)); });
    await new Promise<void>((r) => h1.listen(0, "127.0.0.1", () => r()));
    h2 = createH2Server();
    h2.on("stream", (stream) => {
      stream.on("error", () => undefined);
      stream.respond({ ":status": 200, "x-upstream": "h2" });
      stream.pipe(stream);
    });
    h2.on("connection", (s: Socket) => { upSockets.add(s); s.on("close", () => upSockets.delete(s)); });
    await new Promise<void>((r) => h2.listen(0, "127.0.0.1", () => r()));
    grpcServer = new grpc.Server();
    grpcServer.addService(ECHO, {
      Unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.concat([Buffer.from("unary:"), call.request])),
      Stream: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => { call.on("data", (d: Buffer) => call.write(Buffer.concat([Buffer.from("s:"), d]))); call.on("end", () => call.end()); },
    });
    const grpcPort = await new Promise<number>((resolve, reject) => grpcServer.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    h = harness(200, [httpConnectionManagerFactory]);
    h.addCluster("h1", [(h1.address() as AddressInfo).port]);
    h.addCluster("h2", [(h2.address() as AddressInfo).port], { http2_protocol_options: {} });
    h.addCluster("grpc", [grpcPort], { http2_protocol_options: {} });
    autoPort = (await h.manager.apply(tlsListener("tls-auto", "AUTO", leaf.certPem, leaf.keyPem))).port;
    h2OnlyPort = (await h.manager.apply(tlsListener("tls-h2", "HTTP2", leaf.certPem, leaf.keyPem))).port;
  });

  after(async () => {
    for (const s of sessions) s.destroy();
    await h.close();
    closeUpstreamSessions();
    grpcServer.forceShutdown();
    for (const s of upSockets) s.destroy();
    h1.closeAllConnections();
    await new Promise<void>((r) => h1.close(() => r()));
    await new Promise<void>((r) => h2.close(() => r()));
  });

  it("serves h2 (ALPN h2) and HTTP/1.1 (ALPN http/1.1) on the same AUTO port", async () => {
    const s = session(autoPort);
    const a = await within(h2req(s, "/one"), "h2 over TLS to h1");
    const b = await within(h2req(s, "/h2/two", Buffer.from("hello")), "h2 over TLS to h2");
    assert.equal(a.status, 200);
    assert.equal(a.headers["x-upstream"], "h1");
    assert.deepEqual([b.status, b.body.toString(), b.headers["x-upstream"]], [200, "hello", "h2"]);
    assert.equal(s.alpnProtocol, "h2");
    const one = await within(h1req(autoPort, "/via-h1", ca.certPem, Buffer.from("plain")), "h1 over TLS");
    assert.deepEqual([one.status, one.body.toString(), one.alpn], [200, "plain", "http/1.1"]);
  });

  it("speaks h2 on an HTTP2 codec port, with ALPN h2 and without ALPN", async () => {
    const withAlpn = await within(h2req(session(h2OnlyPort), "/h2/a", Buffer.from("x")), "h2 codec, ALPN h2");
    assert.deepEqual([withAlpn.status, withAlpn.body.toString()], [200, "x"]);
    const noAlpn = await within(h2req(session(h2OnlyPort, []), "/h2/b", Buffer.from("y")), "h2 codec, no ALPN");
    assert.deepEqual([noAlpn.status, noAlpn.body.toString()], [200, "y"]);
  });

  it("carries gRPC unary and bidirectional streaming calls over TLS", async () => {
    const Client = grpc.makeGenericClientConstructor(ECHO, "Echo");
    const client = new Client(`127.0.0.1:${autoPort}`, grpc.credentials.createSsl(Buffer.from(ca.certPem)), { "grpc.ssl_target_name_override": "localhost" });
    try {
      const unary = await within(new Promise<Buffer>((resolve, reject) => {
        (client as unknown as { Unary(b: Buffer, cb: (e: grpc.ServiceError | null, r?: Buffer) => void): void }).Unary(Buffer.from("ping"), (e, r) => (e ? reject(e) : resolve(r ?? Buffer.alloc(0))));
      }), "grpc unary");
      assert.equal(unary.toString(), "unary:ping");
      const got = await within(new Promise<string[]>((resolve, reject) => {
        const call = (client as unknown as { Stream(): grpc.ClientDuplexStream<Buffer, Buffer> }).Stream();
        const out: string[] = [];
        call.on("data", (d: Buffer) => out.push(d.toString()));
        call.on("error", reject);
        call.on("end", () => resolve(out));
        for (const m of ["a", "b", "c"]) call.write(Buffer.from(m));
        call.end();
      }), "grpc stream");
      assert.deepEqual(got, ["s:a", "s:b", "s:c"]);
    } finally {
      client.close();
    }
  });

  it("streams an 8 MiB body both ways over h2 (to HTTP/1.1 and HTTP/2 upstreams) and over HTTP/1.1", async () => {
    const big = patterned(BIG);
    const s = session(autoPort);
    const [viaH1, viaH2] = await within(Promise.all([h2req(s, "/echo", big), h2req(s, "/h2/echo", big)]), "big h2 bodies", 30_000);
    assert.deepEqual([viaH1.status, viaH1.body.length, sha(viaH1.body)], [200, BIG, sha(big)]);
    assert.deepEqual([viaH2.status, viaH2.body.length, sha(viaH2.body)], [200, BIG, sha(big)]);
    const down = await within(h2req(s, "/big-down"), "big h2 download", 30_000);
    assert.deepEqual([down.status, sha(down.body)], [200, sha(big)]);
    const one = await within(h1req(autoPort, "/echo", ca.certPem, big), "big h1 body", 30_000);
    assert.deepEqual([one.status, sha(one.body)], [200, sha(big)]);
  });

  it("survives a client resetting a stream mid-body (upload and download) and keeps serving the session", async () => {
    const s = session(autoPort);
    const aborted = new Promise<void>((r) => { abortedSeen = r; });
    const arrived = new Promise<void>((r) => { sinkArrived = r; });
    const up = s.request({ ":method": "POST", ":path": "/slow-sink" }, { endStream: false });
    up.on("error", () => undefined);
    up.write(patterned(256 * 1024));
    await within(arrived, "upload reaches the upstream");
    up.destroy(); // close() would send END_STREAM first (node runs _final), making the body complete
    await within(aborted, "upstream sees the aborted upload");
    assert.ok(abortedUpstream >= 1);
    const down = s.request({ ":path": "/big-down" });
    await within(new Promise<void>((resolve) => {
      down.once("data", () => { down.close(constants.NGHTTP2_CANCEL); resolve(); });
      down.on("error", () => undefined);
      down.on("close", () => resolve());
    }), "download reset");
    const after1 = await within(h2req(s, "/after-reset", Buffer.from("still here")), "request after resets");
    assert.deepEqual([after1.status, after1.body.toString()], [200, "still here"]);
  });
});
