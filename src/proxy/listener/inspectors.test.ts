import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { parseClientHello } from "./client-hello.js";
import { sniffHttp } from "./http-sniff.js";

/** The first bytes a real Node TLS client sends. */
async function realClientHello(servername: string | undefined, alpn: string[] | undefined): Promise<Buffer> {
  let resolveBytes: (b: Buffer) => void = () => undefined;
  const got = new Promise<Buffer>((r) => { resolveBytes = r; });
  const server = createServer((s: Socket) => {
    s.once("data", (b: Buffer) => { resolveBytes(b); s.destroy(); });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  const c = tlsConnect({ host: "127.0.0.1", port, rejectUnauthorized: false, ...(servername ? { servername } : {}), ...(alpn ? { ALPNProtocols: alpn } : {}) });
  c.on("error", () => undefined);
  const bytes = await got;
  c.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  return bytes;
}

describe("TLS inspector ClientHello parsing", () => {
  it("reads SNI and ALPN from a real client's hello", async () => {
    const hello = await realClientHello("api.example.com", ["h2", "http/1.1"]);
    assert.deepEqual(parseClientHello(hello), { kind: "tls", sni: "api.example.com", alpn: ["h2", "http/1.1"] });
  });

  it("reports TLS without SNI or ALPN when the client sends none", async () => {
    const hello = await realClientHello(undefined, undefined);
    const r = parseClientHello(hello);
    assert.equal(r.kind, "tls");
    assert.equal(r.kind === "tls" ? r.sni : "x", undefined);
  });

  it("asks for more bytes on every truncation of the hello, never throwing", async () => {
    const hello = await realClientHello("a.b", ["h2"]);
    for (let n = 1; n < hello.length; n++) assert.equal(parseClientHello(hello.subarray(0, n)).kind, "more", `at ${n}`);
  });

  it("treats plaintext and garbage as not TLS", () => {
    assert.equal(parseClientHello(Buffer.from("GET / HTTP/1.1\r\n")).kind, "not-tls");
    assert.equal(parseClientHello(Buffer.from([0x16, 0x01, 0x00])).kind, "not-tls");
    const bogus = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x08, 0x02, 0, 0, 4, 1, 2, 3, 4]);
    assert.equal(parseClientHello(bogus).kind, "not-tls");
    const lying = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x06, 0x01, 0, 0, 2, 3, 3]);
    assert.equal(parseClientHello(lying).kind, "not-tls");
  });
});

describe("HTTP inspector", () => {
  it("detects HTTP/1.1, HTTP/1.0 and the h2 preface", () => {
    assert.deepEqual(sniffHttp(Buffer.from("GET /x HTTP/1.1\r\nHost: a\r\n")), { kind: "http", protocol: "http/1.1" });
    assert.deepEqual(sniffHttp(Buffer.from("POST / HTTP/1.0\r\n")), { kind: "http", protocol: "http/1.0" });
    assert.deepEqual(sniffHttp(Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")), { kind: "http", protocol: "h2c" });
  });

  it("waits for a partial request line or preface and gives up on other bytes", () => {
    assert.equal(sniffHttp(Buffer.from("GE")).kind, "more");
    assert.equal(sniffHttp(Buffer.from("PRI * HTTP/2")).kind, "more");
    assert.equal(sniffHttp(Buffer.from("GET /a HTTP/1")).kind, "more");
    assert.equal(sniffHttp(Buffer.from("SSH-2.0-OpenSSH\r\n")).kind, "none");
    assert.equal(sniffHttp(Buffer.from([0, 1, 2, 3])).kind, "none");
    assert.equal(sniffHttp(Buffer.from("GET / SPDY/3\r\n")).kind, "none");
  });
});
