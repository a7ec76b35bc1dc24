import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer as createTlsServer, connect as tlsConnect, type TLSSocket } from "node:tls";
import type { AddressInfo } from "node:net";
import { createServer as createHttpServer } from "node:http";
import { HCM_TYPE_URL, httpConnectionManagerFactory } from "../src/proxy/http/http-connection-manager.js";
import { makeCa, makeLeaf, type TestLeaf } from "../src/proxy/tls/test-certs.js";
import { closeServer, closed, dial, greeter, harness, listenerJson, readUntil, tcpProxy, type Harness } from "./proxy-listener-fixtures.js";

const TLS_INSPECTOR = { name: "envoy.filters.listener.tls_inspector", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector" } };
const HTTP_INSPECTOR = { name: "envoy.filters.listener.http_inspector", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector" } };

describe("listeners", () => {
  let h: Harness;
  const servers: Awaited<ReturnType<typeof greeter>>[] = [];
  async function upstream(name: string): Promise<number> {
    const g = await greeter(name);
    servers.push(g);
    h.addCluster(name, [g.port]);
    return g.port;
  }
  before(() => { h = harness(300); });
  after(async () => {
    await h.close();
    for (const g of servers) await closeServer(g.server, g.sockets);
  });

  it("routes TLS passthrough by SNI and ALPN from a real TLS client (tls_inspector)", async () => {
    const ca = await makeCa();
    const leaf = await makeLeaf(ca, { cn: "upstream", dns: ["a.example.com", "b.example.com"] });
    const tlsUpstream = async (name: string): Promise<void> => {
      const s = createTlsServer({ cert: leaf.certPem, key: leaf.keyPem, ALPNProtocols: ["h2", "http/1.1"] }, (c) => { c.on("error", () => undefined); c.end(`${name}\n`); });
      await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
      h.addCluster(name, [(s.address() as AddressInfo).port]);
      servers.push({ server: s, port: 0, sockets: new Set() });
    };
    await tlsUpstream("sni-a");
    await tlsUpstream("sni-b-h2");
    await tlsUpstream("sni-any");
    const l = await h.manager.apply(listenerJson("sni", [
      { filter_chain_match: { server_names: ["a.example.com"] }, filters: [tcpProxy("sni-a")] },
      { filter_chain_match: { server_names: ["*.example.com"], application_protocols: ["h2"] }, filters: [tcpProxy("sni-b-h2")] },
      { filter_chain_match: { transport_protocol: "tls" }, filters: [tcpProxy("sni-any")] },
    ], { listener_filters: [TLS_INSPECTOR] }));
    const ask = async (servername: string, alpn: string[]): Promise<string> => {
      const c: TLSSocket = tlsConnect({ host: "127.0.0.1", port: l.port, servername, ca: ca.certPem, ALPNProtocols: alpn, checkServerIdentity: () => undefined });
      c.on("error", () => undefined);
      const got = await readUntil(c, "\n");
      c.destroy();
      return got.trim();
    };
    assert.equal(await ask("a.example.com", ["h2"]), "sni-a");
    assert.equal(await ask("b.example.com", ["h2"]), "sni-b-h2");
    assert.equal(await ask("other.org", ["http/1.1"]), "sni-any");
    // Envoy does not back off: once *.example.com matched the name, a non-h2 client matches nothing.
    assert.equal(await ask("b.example.com", ["http/1.1"]), "");
    assert.equal(h.stats.counter(`${l.statPrefix}.no_filter_chain_match`), 1);
  });

  it("tells HTTP/1.1 from h2c and other bytes (http_inspector) without losing them", async () => {
    await upstream("h1");
    await upstream("h2c");
    await upstream("opaque");
    const l = await h.manager.apply(listenerJson("sniff", [
      { filter_chain_match: { application_protocols: ["http/1.1"] }, filters: [tcpProxy("h1")] },
      { filter_chain_match: { application_protocols: ["h2c"] }, filters: [tcpProxy("h2c")] },
    ], { listener_filters: [HTTP_INSPECTOR], default_filter_chain: { filters: [tcpProxy("opaque")] } }));
    const send = async (bytes: string): Promise<string> => {
      const c = await dial(l.port);
      c.write(bytes);
      const got = await readUntil(c, bytes);
      c.destroy();
      return got;
    };
    assert.equal(await send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "h1\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.equal(await send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), "h2c\nPRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    assert.equal(await send("\x00\x01binary"), "opaque\n\x00\x01binary");
  });

  it("behind http_inspector, a request whose FIN came in the same read is answered, then the connection closes", async () => {
    // The inspector reads the request and the FIN; the HTTP connection manager starts after both.
    const web = createHttpServer((req, res) => { req.resume(); res.end("web"); });
    await new Promise<void>((r) => web.listen(0, "127.0.0.1", () => r()));
    const hh = harness(100, [httpConnectionManagerFactory]);
    try {
      hh.addCluster("web", [(web.address() as AddressInfo).port]);
      const hcm = { name: "envoy.filters.network.http_connection_manager", typed_config: {
        "@type": HCM_TYPE_URL, stat_prefix: "in", codec_type: "AUTO",
        route_config: { virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: "web" } }] }] },
      } };
      const l = await hh.manager.apply(listenerJson("fin", [{ filters: [hcm] }], { listener_filters: [HTTP_INSPECTOR] }));
      // Shorter than the HTTP/2 preface (the codec is chosen from the bytes at hand), and longer.
      for (const request of ["GET / HTTP/1.0\r\n\r\n", "GET /long HTTP/1.1\r\nhost: a\r\n\r\n"]) {
        const c = await dial(l.port);
        const chunks: Buffer[] = [];
        c.on("data", (d: Buffer) => chunks.push(d));
        c.end(request);
        await closed(c);
        assert.match(Buffer.concat(chunks).toString("latin1"), /^HTTP\/1\.1 200 [^]*web$/, request);
      }
      // Nothing but a FIN: closed at once.
      const silent = await dial(l.port);
      silent.end();
      await closed(silent);
    } finally {
      await hh.close();
      web.closeAllConnections();
      await new Promise((r) => web.close(r));
    }
  });

  it("closes connections no chain matches, and times out silent clients of an inspecting listener", async () => {
    await upstream("only-tls");
    const l = await h.manager.apply(listenerJson("strict", [
      { filter_chain_match: { transport_protocol: "tls" }, filters: [tcpProxy("only-tls")] },
    ], { listener_filters: [TLS_INSPECTOR], listener_filters_timeout: "0.2s" }));
    const plain = await dial(l.port);
    plain.write("hello");
    await closed(plain);
    const silent = await dial(l.port);
    await closed(silent);
    assert.equal(h.stats.counter(`${l.statPrefix}.no_filter_chain_match`), 1);
    assert.equal(h.stats.counter(`${l.statPrefix}.downstream_pre_cx_timeout`), 1);
  });

  it("continue_on_listener_filters_timeout hands silent (server-first) clients to a chain", async () => {
    await upstream("server-first");
    const l = await h.manager.apply(listenerJson("mysqlish", [{ filters: [tcpProxy("server-first")] }],
      { listener_filters: [TLS_INSPECTOR], listener_filters_timeout: "0.1s", continue_on_listener_filters_timeout: true }));
    const c = await dial(l.port);
    assert.equal(await readUntil(c, "\n"), "server-first\n");
    c.destroy();
  });

  it("an update drains changed chains: open connections keep working until the drain time, new ones use the new chain", async () => {
    await upstream("v1");
    await upstream("v2");
    const l = await h.manager.apply(listenerJson("upd", [{ filters: [tcpProxy("v1")] }]));
    const old = await dial(l.port);
    assert.equal(await readUntil(old, "\n"), "v1\n");
    const same = await h.manager.apply(listenerJson("upd", [{ filters: [tcpProxy("v2")] }]));
    assert.equal(same.port, l.port, "the socket is kept across updates");
    old.write("still-here");
    assert.equal(await readUntil(old, "still-here"), "still-here");
    const fresh = await dial(l.port);
    assert.equal(await readUntil(fresh, "\n"), "v2\n");
    await closed(old); // closed when the 300 ms drain time ends
    fresh.write("alive");
    assert.equal(await readUntil(fresh, "alive"), "alive");
    fresh.destroy();
  });

  it("unchanged chains survive an update without draining", async () => {
    await upstream("keep");
    await upstream("extra");
    const keep = { filter_chain_match: { destination_port: 1 }, filters: [tcpProxy("keep")] };
    const l = await h.manager.apply(listenerJson("partial", [keep], { default_filter_chain: { filters: [tcpProxy("keep")] } }));
    const c = await dial(l.port);
    assert.equal(await readUntil(c, "\n"), "keep\n");
    await h.manager.apply(listenerJson("partial", [keep, { filter_chain_match: { destination_port: 2 }, filters: [tcpProxy("extra")] }], { default_filter_chain: { filters: [tcpProxy("keep")] } }));
    await new Promise((r) => setTimeout(r, 400)); // longer than the drain time
    c.write("ok");
    assert.equal(await readUntil(c, "ok"), "ok");
    c.destroy();
  });

  it("a removed listener stops accepting and drains its connections", async () => {
    await upstream("gone");
    const l = await h.manager.apply(listenerJson("gone", [{ filters: [tcpProxy("gone")] }]));
    const c = await dial(l.port);
    assert.equal(await readUntil(c, "\n"), "gone\n");
    assert.equal(await h.manager.remove("gone"), true);
    await assert.rejects(dial(l.port), /ECONNREFUSED/);
    c.write("x");
    assert.equal(await readUntil(c, "x"), "x");
    await closed(c);
  });

  it("rejects an invalid listener or a failed bind alone; the last good version keeps serving", async () => {
    await upstream("good");
    const l = await h.manager.apply(listenerJson("keeper", [{ filters: [tcpProxy("good")] }]));
    const results = await h.manager.replaceAll([
      ...h.manager.list().filter((x) => x.name !== "keeper").map((x) => x.config.json),
      listenerJson("keeper", [{ filters: [{ name: "x", typed_config: { "@type": "type.googleapis.com/unknown.Filter" } }] }]),
      { name: "clash", address: { socket_address: { address: "127.0.0.1", port_value: l.port } }, filter_chains: [{ filters: [tcpProxy("good")] }] },
      { name: "nameless-address" },
    ]);
    const byName = new Map(results.map((r) => [r.name, r.error]));
    assert.match(byName.get("keeper") ?? "", /no network filter registered for "type.googleapis.com\/unknown.Filter"/);
    assert.match(byName.get("clash") ?? "", /cannot bind 127\.0\.0\.1:\d+: EADDRINUSE/);
    assert.match(byName.get("nameless-address") ?? "", /address: is required/);
    const c = await dial(l.port);
    assert.equal(await readUntil(c, "\n"), "good\n");
    c.destroy();
  });

  it("a hand-off carries the bytes already inspected, and the target listener's inspectors read on", async () => {
    await upstream("ho-http");
    await upstream("ho-other");
    const v = await h.manager.apply(listenerJson("virtualInspect", [{ filters: [tcpProxy("ho-other")] }], { use_original_dst: true, listener_filters: [TLS_INSPECTOR] }));
    await h.manager.apply({
      name: "127.0.0.1_inspect", address: { socket_address: { address: "127.0.0.1", port_value: v.port } }, bind_to_port: false,
      listener_filters: [HTTP_INSPECTOR],
      filter_chains: [{ filter_chain_match: { application_protocols: ["http/1.1"] }, filters: [tcpProxy("ho-http")] }],
      default_filter_chain: { filters: [tcpProxy("ho-other")] },
    });
    const c = await dial(v.port);
    c.write("GE"); // enough for the TLS inspector (not TLS), not for the HTTP inspector
    await new Promise((r) => setTimeout(r, 50));
    c.write("T / HTTP/1.1\r\n\r\n");
    assert.equal(await readUntil(c, "\r\n\r\n"), "ho-http\nGET / HTTP/1.1\r\n\r\n");
    c.destroy();
    await h.manager.remove("127.0.0.1_inspect");
  });

  it("use_original_dst hands a connection to the listener bound to its destination", async () => {
    await upstream("virtual");
    await upstream("specific");
    const v = await h.manager.apply(listenerJson("virtualOutbound", [{ filters: [tcpProxy("virtual")] }], { use_original_dst: true }));
    // Istio's per-service listeners do not bind; they only receive hand-offs.
    await h.manager.apply({ name: "127.0.0.1_svc", address: { socket_address: { address: "127.0.0.1", port_value: v.port } }, bind_to_port: false, filter_chains: [{ filters: [tcpProxy("specific")] }] });
    const c = await dial(v.port);
    assert.equal(await readUntil(c, "\n"), "specific\n");
    c.destroy();
    await h.manager.remove("127.0.0.1_svc");
    const d = await dial(v.port);
    assert.equal(await readUntil(d, "\n"), "virtual\n");
    d.destroy();
  });
});

export type { TestLeaf };
