// Upstream TLS built by part B's helper (UpstreamTlsContext with SDS-aware secrets) through the
// cluster manager: tcp_proxy originates mTLS and checks the server's SPIFFE ID (secure naming).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer as createTlsServer, type Server } from "node:tls";
import type { AddressInfo } from "node:net";
import { UPSTREAM_TLS_TYPE } from "../src/proxy/tls/upstream.js";
import { makeCa, makeLeaf, type TestCa, type TestLeaf } from "../src/proxy/tls/test-certs.js";
import { closed, dial, harness, listenerJson, readUntil, tcpProxy, type Harness } from "./proxy-listener-fixtures.js";

const SERVER_ID = "spiffe://cluster.local/ns/default/sa/backend";

describe("upstream TLS (UpstreamTlsContext)", () => {
  let h: Harness;
  let ca: TestCa;
  let proxyCert: TestLeaf;
  let server: Server;
  let port = 0;
  const seenClients: string[] = [];
  before(async () => {
    h = harness();
    ca = await makeCa("Mesh CA");
    const serverCert = await makeLeaf(ca, { cn: "backend", uris: [SERVER_ID] });
    proxyCert = await makeLeaf(ca, { cn: "proxy", uris: ["spiffe://cluster.local/ns/default/sa/proxy"] });
    server = createTlsServer({ cert: serverCert.certPem, key: serverCert.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }, (s) => {
      const peer = s.getPeerCertificate();
      seenClients.push(String(peer.subjectaltname));
      s.on("error", () => undefined);
      s.end("secured\n");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    port = (server.address() as AddressInfo).port;
    h.secrets.set({ name: "default", tls_certificate: { certificate_chain: { inline_string: proxyCert.certPem }, private_key: { inline_string: proxyCert.keyPem } } });
    h.secrets.set({ name: "ROOTCA", validation_context: { trusted_ca: { inline_string: ca.certPem } } });
  });
  after(async () => {
    await h.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  function tlsCluster(name: string, expectedSan: string): Record<string, unknown> {
    return {
      transport_socket: {
        name: "envoy.transport_sockets.tls",
        typed_config: {
          "@type": UPSTREAM_TLS_TYPE, sni: "backend.default.svc.cluster.local",
          common_tls_context: {
            tls_certificate_sds_secret_configs: [{ name: "default" }],
            combined_validation_context: {
              default_validation_context: { match_subject_alt_names: [{ exact: expectedSan }] },
              validation_context_sds_secret_config: { name: "ROOTCA" },
            },
          },
        },
      },
    };
  }

  it("originates mTLS with the SDS certificate and accepts the expected server identity", async () => {
    h.addCluster("secure", [port], tlsCluster("secure", SERVER_ID));
    const l = await h.manager.apply(listenerJson("up-tls", [{ filters: [tcpProxy("secure")] }]));
    const c = await dial(l.port);
    assert.equal(await readUntil(c, "\n"), "secured\n");
    c.destroy();
    assert.deepEqual(seenClients, ["URI:spiffe://cluster.local/ns/default/sa/proxy"]);
  });

  it("refuses a server whose SPIFFE ID is not the expected one (UF)", async () => {
    h.addCluster("impostor", [port], tlsCluster("impostor", "spiffe://cluster.local/ns/other/sa/else"));
    const l = await h.manager.apply(listenerJson("up-tls-bad", [{ filters: [tcpProxy("impostor")] }]));
    const c = await dial(l.port);
    await closed(c);
    assert.equal(h.stats.counter("cluster.impostor.upstream_cx_connect_fail"), 1);
  });
});
