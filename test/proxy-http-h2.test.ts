// HTTP/2 (h2c prior knowledge and TLS with ALPN h2), gRPC with trailers, and WebSocket upgrades
// through a running connection manager, against real node:http, node:http2 and grpc-js servers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer as createH1Server, type Server as H1Server } from "node:http";
import { connect as h2connect, createServer as createH2Server, constants, type Http2Server, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { connect, type AddressInfo, type Socket } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { HttpConnectionManager } from "../src/proxy/http/http-connection-manager.js";
import { compileHcmConfig } from "../src/proxy/http/hcm-config.js";
import { H1ConnectionPool } from "../src/proxy/http/upstream/connection-pool.js";
import { closeUpstreamSessions } from "../src/proxy/http/h2/upstream-sessions.js";
import { StaticCluster, StaticClusterRegistry } from "../src/proxy/http/testing/static-clusters.js";
import { serveNetworkFilter, type ServedFilter } from "../src/proxy/http/testing/serve-hcm.js";
import { selfSignedCert } from "../src/proxy/http/testing/self-signed.js";
import type { HttpRequestRecord } from "../src/proxy/http/request-record.js";

let h1: H1Server;
let h2: Http2Server;
const h2Sockets = new Set<Socket>();
const upgraded: Socket[] = [];
let grpcServer: grpc.Server;
let proxy: ServedFilter;
let tlsFront: TlsServer;
let tlsPort = 0;
let hcm: HttpConnectionManager;
let pool: H1ConnectionPool;
let certPem = "";
const records: HttpRequestRecord[] = [];

const identity = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
const ECHO_SERVICE: grpc.ServiceDefinition = {
  Unary: { path: "/test.Echo/Unary", requestStream: false, responseStream: false, requestSerialize: identity.serialize, requestDeserialize: identity.deserialize, responseSerialize: identity.serialize, responseDeserialize: identity.deserialize },
  Stream: { path: "/test.Echo/Stream", requestStream: true, responseStream: true, requestSerialize: identity.serialize, requestDeserialize: identity.deserialize, responseSerialize: identity.serialize, responseDeserialize: identity.deserialize },
  Fail: { path: "/test.Echo/Fail", requestStream: false, responseStream: false, requestSerialize: identity.serialize, requestDeserialize: identity.deserialize, responseSerialize: identity.serialize, responseDeserialize: identity.deserialize },
};

function port(s: { address(): unknown }): number {
  return (s.address() as AddressInfo).port;
}

before(async () => {
  h1 = createH1Server((req, res) => {
    const c: Buffer[] = [];
    req.on("data", (d: Buffer) => c.push(d));
    req.on("end", () => { res.setHeader("x-upstream", "h1"); res.end(`h1 ${req.method} ${req.url} ${Buffer.concat(c).toString()}`); });
  });
  h1.on("connection", (sock: Socket) => { h2Sockets.add(sock); sock.on("close", () => h2Sockets.delete(sock)); });
  h1.on("upgrade", (req, socket, rest: Buffer) => {
    upgraded.push(socket as Socket);
    socket.write("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n");
    if (rest.length > 0) socket.write(rest);
    socket.on("data", (d: Buffer) => socket.write(Buffer.concat([Buffer.from("echo:"), d])));
    socket.on("error", () => socket.destroy());
    socket.on("end", () => socket.end());
  });
  await new Promise<void>((r) => h1.listen(0, "127.0.0.1", () => r()));
  h2 = createH2Server();
  h2.on("stream", (stream, headers) => {
    const c: Buffer[] = [];
    stream.on("data", (d: Buffer) => c.push(d));
    stream.on("end", () => {
      stream.respond({ ":status": 200, "x-upstream": "h2" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "x-trailer": "done" }));
      stream.end(`h2 ${String(headers[":method"])} ${String(headers[":path"])} ${Buffer.concat(c).toString()}`);
    });
  });
  h2.on("connection", (sock: Socket) => { h2Sockets.add(sock); sock.on("close", () => h2Sockets.delete(sock)); });
  await new Promise<void>((r) => h2.listen(0, "127.0.0.1", () => r()));
  grpcServer = new grpc.Server();
  grpcServer.addService(ECHO_SERVICE, {
    Unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.concat([Buffer.from("unary:"), call.request])),
    Stream: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => { call.on("data", (d: Buffer) => call.write(Buffer.concat([Buffer.from("s:"), d]))); call.on("end", () => call.end()); },
    Fail: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb({ code: grpc.status.PERMISSION_DENIED, details: "nope" }),
  });
  const grpcPort = await new Promise<number>((resolve, reject) => grpcServer.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const clusters = new StaticClusterRegistry([
    new StaticCluster("h1", [["127.0.0.1", port(h1)]]),
    new StaticCluster("h2", [["127.0.0.1", port(h2)]], { http2: true }),
    new StaticCluster("grpc", [["127.0.0.1", grpcPort]], { http2: true }),
  ]);
  pool = new H1ConnectionPool();
  hcm = new HttpConnectionManager(compileHcmConfig({
    codec_type: "AUTO",
    upgrade_configs: [{ upgrade_type: "websocket" }],
    route_config: { name: "r", virtual_hosts: [{ name: "all", domains: ["*"], routes: [
      { name: "grpc", match: { prefix: "/test.Echo/", grpc: {} }, route: { cluster: "grpc" } },
      { name: "h2", match: { prefix: "/h2" }, route: { cluster: "h2" } },
      { name: "missing", match: { prefix: "/missing" }, route: { cluster: "nope" } },
      { name: "grpc-missing", match: { prefix: "/test.Missing/" }, route: { cluster: "nope" } },
      { name: "h1", match: { prefix: "/" }, route: { cluster: "h1" } },
    ] }] },
  }), { nodeId: "t", clusters }, { pool, observer: (r) => records.push(r) });
  proxy = await serveNetworkFilter(hcm);
  const { cert, key } = await selfSignedCert("localhost");
  certPem = cert;
  tlsFront = createTlsServer({ cert, key, ALPNProtocols: ["h2", "http/1.1"] }, (s) => {
    h2Sockets.add(s);
    s.on("close", () => h2Sockets.delete(s));
    s.on("error", () => s.destroy());
    hcm.onConnection({ socket: s, remoteAddress: s.remoteAddress ?? "", remotePort: s.remotePort ?? 0, destinationAddress: "", destinationPort: 0,
      listenerName: "tls", filterChainName: "", tls: { alpn: s.alpnProtocol || undefined, peerUriSans: [] } });
  });
  await new Promise<void>((r) => tlsFront.listen(0, "127.0.0.1", () => r()));
  tlsPort = port(tlsFront);
});

after(async () => {
  await proxy.close();
  for (const sock of h2Sockets) sock.destroy();
  await new Promise((r) => tlsFront.close(r));
  pool.closeAll();
  closeUpstreamSessions();
  grpcServer.forceShutdown();
  for (const sock of h2Sockets) sock.destroy();
  h1.closeAllConnections();
  await new Promise((r) => h1.close(r));
  await new Promise((r) => { h2.close(r); });
});

function h2get(session: ClientHttp2Session, path: string, body?: string): Promise<{ headers: IncomingHttpHeaders; body: string; trailers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ":path": path, ":method": body === undefined ? "GET" : "POST" });
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const c: Buffer[] = [];
    req.on("response", (h) => { headers = h; });
    req.on("trailers", (t) => { trailers = t; });
    req.on("data", (d: Buffer) => c.push(d));
    req.on("end", () => resolve({ headers, body: Buffer.concat(c).toString(), trailers }));
    req.on("error", reject);
    req.end(body);
  });
}

test("h2c prior knowledge to HTTP/1.1 and HTTP/2 upstreams, trailers relayed", async () => {
  const s = h2connect(`http://127.0.0.1:${proxy.port}`);
  try {
    const a = await h2get(s, "/hello", "body");
    assert.equal(a.headers[":status"], 200);
    assert.equal(a.body, "h1 POST /hello body");
    const b = await h2get(s, "/h2/x", "b2");
    assert.equal(b.body, "h2 POST /h2/x b2");
    assert.equal(b.trailers["x-trailer"], "done");
    const nc = await h2get(s, "/missing");
    assert.equal(nc.headers[":status"], 503);
    assert.match(nc.body, /cluster not found: "nope"/);
    assert.equal(records.at(-1)?.protocol, "HTTP/2");
  } finally {
    s.close();
  }
});

test("h2 over TLS with ALPN, and HTTP/1.1 over the same TLS listener", async () => {
  const s = h2connect(`https://localhost:${tlsPort}`, { ca: certPem });
  try {
    const r = await h2get(s, "/tls");
    assert.equal(r.body, "h1 GET /tls ");
    assert.equal((s.socket as unknown as { alpnProtocol: string }).alpnProtocol, "h2");
  } finally {
    s.close();
  }
  const { connect: tlsConnect } = await import("node:tls");
  const text = await new Promise<string>((resolve, reject) => {
    const t = tlsConnect({ host: "127.0.0.1", port: tlsPort, servername: "localhost", ca: certPem, ALPNProtocols: ["http/1.1"] }, () => {
      t.write("GET /tls1 HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n");
    });
    const c: Buffer[] = [];
    t.on("data", (d: Buffer) => c.push(d));
    t.on("end", () => resolve(Buffer.concat(c).toString()));
    t.on("error", reject);
  });
  assert.match(text, /^HTTP\/1\.1 200 /);
  assert.match(text, /h1 GET \/tls1/);
});

test("gRPC unary, bidi streaming and error status through the proxy", async () => {
  const Client = grpc.makeGenericClientConstructor(ECHO_SERVICE, "Echo");
  const client = new Client(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, (...a: unknown[]) => unknown>;
  try {
    const unary = await new Promise<Buffer>((resolve, reject) => {
      (client["Unary"] as (req: Buffer, cb: (e: grpc.ServiceError | null, r?: Buffer) => void) => void)(Buffer.from("hi"), (e, r) => (e ? reject(e) : resolve(r as Buffer)));
    });
    assert.equal(unary.toString(), "unary:hi");
    const failed = await new Promise<grpc.ServiceError>((resolve) => {
      (client["Fail"] as (req: Buffer, cb: (e: grpc.ServiceError | null) => void) => void)(Buffer.from("x"), (e) => resolve(e as grpc.ServiceError));
    });
    assert.equal(failed.code, grpc.status.PERMISSION_DENIED);
    assert.equal(failed.details, "nope");
    const got: string[] = await new Promise((resolve, reject) => {
      const call = (client["Stream"] as () => grpc.ClientDuplexStream<Buffer, Buffer>)();
      const out: string[] = [];
      call.on("data", (d: Buffer) => out.push(d.toString()));
      call.on("end", () => resolve(out));
      call.on("error", reject);
      for (let i = 0; i < 5; i++) call.write(Buffer.from(`m${i}`));
      call.end();
    });
    assert.deepEqual(got, ["s:m0", "s:m1", "s:m2", "s:m3", "s:m4"]);
    // A local reply to a gRPC request is a trailers-only gRPC status naming the cause.
    const Missing = grpc.makeGenericClientConstructor({ Call: { ...ECHO_SERVICE["Unary"], path: "/test.Missing/Call" } } as grpc.ServiceDefinition, "Missing");
    const missing = new Missing(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, (...a: unknown[]) => unknown>;
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      (missing["Call"] as (req: Buffer, cb: (e: grpc.ServiceError | null) => void) => void)(Buffer.from("x"), (e) => resolve(e as grpc.ServiceError));
    });
    missing.close();
    assert.equal(err.code, grpc.status.UNAVAILABLE);
    assert.match(err.details, /cluster not found: "nope"/);
    assert.deepEqual(records.at(-1)?.flags, ["NC"]);
  } finally {
    client.close();
  }
});

test("WebSocket upgrade becomes a byte pipe after the 101", async () => {
  const s = connect(proxy.port, "127.0.0.1");
  const c: Buffer[] = [];
  const got = new Promise<string>((resolve) => {
    s.on("data", (d: Buffer) => {
      c.push(d);
      const t = Buffer.concat(c).toString();
      if (t.includes("echo:ping")) resolve(t);
    });
  });
  s.write("GET /ws HTTP/1.1\r\nhost: a\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
  await new Promise((r) => setTimeout(r, 50));
  s.write("ping");
  const text = await got;
  assert.match(text, /^HTTP\/1\.1 101 /);
  s.destroy();
  // The tunnel's upstream side closes with the client.
  const up = upgraded.at(-1) as Socket;
  for (let i = 0; i < 100 && !up.destroyed; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(up.destroyed, true);
});

test("HTTP/2 stream reset by the client does not disturb the connection", async () => {
  const s = h2connect(`http://127.0.0.1:${proxy.port}`);
  try {
    const req = s.request({ ":path": "/slow", ":method": "POST" });
    req.write("partial");
    req.close(constants.NGHTTP2_CANCEL);
    const ok = await h2get(s, "/after");
    assert.equal(ok.body, "h1 GET /after ");
  } finally {
    s.close();
  }
});
