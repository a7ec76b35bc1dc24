import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from "node:tls";
import { DOWNSTREAM_TLS_TYPE } from "../src/proxy/tls/downstream.js";
import { logger } from "../src/proxy/server/logger.js";
import { makeCa, makeLeaf, type TestCa, type TestLeaf } from "../src/proxy/tls/test-certs.js";
import { closed, dial, harness, infoEchoFactory, infoFilter, listenerJson, readUntil, type Harness } from "./proxy-listener-fixtures.js";

const SPIFFE = "spiffe://cluster.local/ns/default/sa/client";

function tlsChain(ctx: Record<string, unknown>): Record<string, unknown> {
  return { name: "tls", filters: [infoFilter()], transport_socket: { name: "envoy.transport_sockets.tls", typed_config: { "@type": DOWNSTREAM_TLS_TYPE, ...ctx } } };
}

function pem(s: string): { inline_string: string } {
  return { inline_string: s };
}

describe("TLS termination", () => {
  let h: Harness;
  let ca: TestCa;
  let otherCa: TestCa;
  let server: TestLeaf;
  let client: TestLeaf;
  let rogue: TestLeaf;
  let port = 0;

  async function handshake(opts: ConnectionOptions): Promise<{ socket: TLSSocket; line: string }> {
    const socket = tlsConnect({ host: "127.0.0.1", port, servername: "svc.example.com", checkServerIdentity: () => undefined, ...opts });
    socket.on("error", () => undefined);
    const line = await readUntil(socket, "\n");
    return { socket, line };
  }

  before(async () => {
    h = harness(200, [infoEchoFactory]);
    ca = await makeCa("Mesh CA");
    otherCa = await makeCa("Other CA");
    server = await makeLeaf(ca, { cn: "server", dns: ["svc.example.com"], uris: ["spiffe://cluster.local/ns/default/sa/server"] });
    client = await makeLeaf(ca, { cn: "client", uris: [SPIFFE] });
    rogue = await makeLeaf(otherCa, { cn: "rogue", uris: [SPIFFE] });
    const l = await h.manager.apply(listenerJson("mtls", [tlsChain({
      require_client_certificate: true,
      common_tls_context: {
        alpn_protocols: ["h2", "http/1.1"],
        tls_certificates: [{ certificate_chain: pem(server.certPem), private_key: pem(server.keyPem) }],
        validation_context: {
          trusted_ca: pem(ca.certPem),
          match_typed_subject_alt_names: [{ san_type: "URI", matcher: { prefix: "spiffe://cluster.local/" } }],
        },
      },
    })]));
    port = l.port;
  });
  after(() => h.close());

  it("terminates mTLS and gives the filter SNI, ALPN, the peer's URI SAN and its own", async () => {
    const { socket, line } = await handshake({ ca: ca.certPem, cert: client.certPem, key: client.keyPem, ALPNProtocols: ["h2"] });
    assert.deepEqual(JSON.parse(line).tls, { sni: "svc.example.com", alpn: "h2", peerUriSans: [SPIFFE], localUriSans: ["spiffe://cluster.local/ns/default/sa/server"] });
    socket.write("over tls");
    assert.equal(await readUntil(socket, "over tls"), "over tls");
    socket.destroy();
  });

  it("refuses clients without a certificate, with one from the wrong CA, or with a SAN that does not match", async () => {
    const none = await handshake({ ca: ca.certPem });
    assert.equal(none.line, "");
    const wrongCa = await handshake({ ca: ca.certPem, cert: rogue.certPem, key: rogue.keyPem });
    assert.equal(wrongCa.line, "");
    const otherSan = await makeLeaf(ca, { cn: "x", uris: ["spiffe://elsewhere/ns/a/sa/b"] });
    const badSan = await handshake({ ca: ca.certPem, cert: otherSan.certPem, key: otherSan.keyPem });
    assert.equal(badSan.line, "");
    assert.ok(h.stats.counter(`listener.127.0.0.1_${port}.ssl.connection_error`) >= 3);
  });

  it("survives garbage and truncated ClientHellos (logged with the peer address), then serves a good client", async () => {
    const lines: string[] = [];
    const sink = logger.sink;
    logger.sink = (l) => lines.push(l);
    const garbage = await dial(port);
    garbage.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]));
    await closed(garbage);
    const noise = await dial(port);
    noise.end("definitely not tls\r\n");
    await closed(noise);
    const truncated = await dial(port);
    truncated.end(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]));
    await closed(truncated);
    logger.sink = sink;
    assert.equal(lines.filter((l) => /TLS from 127\.0\.0\.1:\d+ failed/.test(l)).length, 3, lines.join("\n"));
    const { socket, line } = await handshake({ ca: ca.certPem, cert: client.certPem, key: client.keyPem });
    assert.deepEqual(JSON.parse(line).tls.peerUriSans, [SPIFFE]);
    socket.destroy();
  });
});

describe("TLS inspector in front of TLS termination", () => {
  it("picks the chain by SNI from peeked bytes, then terminates TLS with those same bytes", async () => {
    const h = harness(200, [infoEchoFactory]);
    try {
      const ca = await makeCa("Gateway CA");
      const certA = await makeLeaf(ca, { cn: "a", dns: ["a.example.com"] });
      const certB = await makeLeaf(ca, { cn: "b", dns: ["b.example.com"] });
      const chain = (name: string, sni: string, cert: TestLeaf): Record<string, unknown> => ({
        ...tlsChain({ common_tls_context: { tls_certificates: [{ certificate_chain: pem(cert.certPem), private_key: pem(cert.keyPem) }] } }),
        name, filter_chain_match: { server_names: [sni] },
      });
      const l = await h.manager.apply(listenerJson("gw", [chain("chain-a", "a.example.com", certA), chain("chain-b", "b.example.com", certB)], {
        listener_filters: [{ name: "envoy.filters.listener.tls_inspector", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector" } }],
      }));
      for (const host of ["a.example.com", "b.example.com"]) {
        // Full verification (CA and host name) proves each chain served its own certificate.
        const socket = tlsConnect({ host: "127.0.0.1", port: l.port, servername: host, ca: ca.certPem });
        socket.on("error", () => undefined);
        const info = JSON.parse(await readUntil(socket, "\n")) as { chain: string; tls: { sni: string } };
        assert.deepEqual([info.chain, info.tls.sni], [`chain-${host[0]}`, host]);
        socket.write("ping");
        assert.equal(await readUntil(socket, "ping"), "ping");
        socket.destroy();
      }
    } finally {
      await h.close();
    }
  });
});

describe("TLS secrets (SDS names)", () => {
  it("waits for a missing secret, then rotates it without dropping an open connection", async () => {
    const h = harness(200, [infoEchoFactory]);
    try {
      const ca1 = await makeCa("CA one");
      const ca2 = await makeCa("CA two");
      const cert1 = await makeLeaf(ca1, { cn: "s1", dns: ["svc.example.com"] });
      const cert2 = await makeLeaf(ca2, { cn: "s2", dns: ["svc.example.com"] });
      const l = await h.manager.apply(listenerJson("sds", [tlsChain({
        common_tls_context: { tls_certificate_sds_secret_configs: [{ name: "default", sds_config: { ads: {} } }] },
      })]));
      const connectWith = async (ca: string): Promise<{ socket: TLSSocket; line: string }> => {
        const socket = tlsConnect({ host: "127.0.0.1", port: l.port, ca, servername: "svc.example.com" });
        socket.on("error", () => undefined);
        return { socket, line: await readUntil(socket, "\n") };
      };
      // No secret yet: the handshake is refused, the listener lives on.
      assert.equal((await connectWith(ca1.certPem)).line, "");
      h.secrets.set({ name: "default", tls_certificate: { certificate_chain: pem(cert1.certPem), private_key: pem(cert1.keyPem) } });
      const open = await connectWith(ca1.certPem);
      assert.equal(JSON.parse(open.line).chain, "tls");
      h.secrets.set({ name: "default", tls_certificate: { certificate_chain: pem(cert2.certPem), private_key: pem(cert2.keyPem) } });
      // The open connection keeps working on the old certificate …
      open.socket.write("still open");
      assert.equal(await readUntil(open.socket, "still open"), "still open");
      // … new handshakes get the new one (trusted only through CA two).
      assert.equal((await connectWith(ca1.certPem)).line, "");
      const fresh = await connectWith(ca2.certPem);
      assert.equal(JSON.parse(fresh.line).chain, "tls");
      open.socket.destroy();
      fresh.socket.destroy();
      // An invalid secret is rejected and the last good one stays.
      assert.throws(() => h.secrets.set({ name: "default", tls_certificate: { certificate_chain: pem("nope"), private_key: pem("nope") } }), /certificate_chain: holds no PEM certificate/);
      const again = await connectWith(ca2.certPem);
      assert.equal(JSON.parse(again.line).chain, "tls");
      again.socket.destroy();
    } finally {
      await h.close();
    }
  });

  it("rejects a server TLS context without certificates naming the field", async () => {
    const h = harness(200, [infoEchoFactory]);
    try {
      await assert.rejects(h.manager.apply(listenerJson("nocert", [tlsChain({ common_tls_context: {} })])), /common_tls_context: a server TLS context needs/);
      await assert.rejects(h.manager.apply(listenerJson("badver", [tlsChain({ common_tls_context: { tls_params: { tls_minimum_protocol_version: "SSLv3" } } })])), /tls_minimum_protocol_version/);
    } finally {
      await h.close();
    }
  });
});
