// Secure naming on the HTTP/2 path's upstream TLS: HTTP/2 clusters (h2 sessions) and HTTP/1.1
// clusters reached from h2 clients (node:https agents) accept only servers presenting an expected
// URI SAN; otherwise 503 with flag UF and a log line naming both identities.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { connect as h2connect, createSecureServer, type ClientHttp2Session, type Http2SecureServer } from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import { HCM_TYPE_URL, httpConnectionManagerFactory } from "../src/proxy/http/http-connection-manager.js";
import { closeUpstreamSessions } from "../src/proxy/http/h2/upstream-sessions.js";
import { logger } from "../src/proxy/server/logger.js";
import { UPSTREAM_TLS_TYPE } from "../src/proxy/tls/upstream.js";
import { makeCa, makeLeaf } from "../src/proxy/tls/test-certs.js";
import { harness, listenerJson, type Harness } from "./proxy-listener-fixtures.js";

const SERVER_ID = "spiffe://cluster.local/ns/default/sa/backend";
const OTHER_ID = "spiffe://cluster.local/ns/other/sa/else";

function within<T>(p: Promise<T>, label: string, ms = 10_000): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { t = setTimeout(() => reject(new Error(`${label}: no answer within ${ms} ms`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

function get(s: ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = s.request({ ":path": path });
    let status = 0;
    let body = "";
    r.on("response", (h) => { status = Number(h[":status"]); });
    r.setEncoding("utf8");
    r.on("data", (d: string) => { body += d; });
    r.on("end", () => resolve({ status, body }));
    r.on("error", reject);
  });
}

describe("secure naming on HTTP/2-path upstream TLS", () => {
  let h: Harness;
  let h2up: Http2SecureServer;
  let h1up: HttpsServer;
  const upSockets = new Set<Socket>();
  let client: ClientHttp2Session;
  const lines: string[] = [];
  const sink = logger.sink;

  function tlsCluster(caPem: string, expected: string, http2: boolean): Record<string, unknown> {
    return {
      ...(http2 ? { http2_protocol_options: {} } : {}),
      transport_socket: { name: "envoy.transport_sockets.tls", typed_config: {
        "@type": UPSTREAM_TLS_TYPE, sni: "backend.default.svc.cluster.local",
        common_tls_context: { validation_context: { trusted_ca: { inline_string: caPem }, match_subject_alt_names: [{ exact: expected }] } },
      } },
    };
  }

  before(async () => {
    const ca = await makeCa("upstream CA");
    const leaf = await makeLeaf(ca, { cn: "backend", uris: [SERVER_ID] });
    h2up = createSecureServer({ cert: leaf.certPem, key: leaf.keyPem });
    h2up.on("stream", (st) => { st.respond({ ":status": 200 }); st.end("h2 backend"); });
    h2up.on("connection", (s: Socket) => { upSockets.add(s); s.on("close", () => upSockets.delete(s)); });
    await new Promise<void>((r) => h2up.listen(0, "127.0.0.1", () => r()));
    h1up = createHttpsServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => res.end("h1 backend"));
    h1up.on("connection", (s: Socket) => { upSockets.add(s); s.on("close", () => upSockets.delete(s)); });
    await new Promise<void>((r) => h1up.listen(0, "127.0.0.1", () => r()));
    const h2port = (h2up.address() as AddressInfo).port;
    const h1port = (h1up.address() as AddressInfo).port;
    h = harness(200, [httpConnectionManagerFactory]);
    h.addCluster("h2-good", [h2port], tlsCluster(ca.certPem, SERVER_ID, true));
    h.addCluster("h2-bad", [h2port], tlsCluster(ca.certPem, OTHER_ID, true));
    h.addCluster("h1-good", [h1port], tlsCluster(ca.certPem, SERVER_ID, false));
    h.addCluster("h1-bad", [h1port], tlsCluster(ca.certPem, OTHER_ID, false));
    const routes = ["h2-good", "h2-bad", "h1-good", "h1-bad"].map((c) => ({ match: { prefix: `/${c}` }, route: { cluster: c } }));
    const l = await h.manager.apply(listenerJson("h2c", [{ filters: [{ name: "envoy.filters.network.http_connection_manager", typed_config: {
      "@type": HCM_TYPE_URL, stat_prefix: "sn", codec_type: "AUTO",
      route_config: { name: "r", virtual_hosts: [{ name: "all", domains: ["*"], routes }] },
      http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
    } }] }]));
    client = h2connect(`http://127.0.0.1:${l.port}`);
    client.on("error", () => undefined);
    logger.sink = (line) => lines.push(line);
  });

  after(async () => {
    logger.sink = sink;
    client.destroy();
    await h.close();
    closeUpstreamSessions();
    for (const s of upSockets) s.destroy();
    await new Promise<void>((r) => h2up.close(() => r()));
    h1up.closeAllConnections();
    await new Promise<void>((r) => h1up.close(() => r()));
  });

  it("forwards to servers presenting the expected SPIFFE id (h2 and HTTP/1.1 clusters)", async () => {
    assert.deepEqual(await within(get(client, "/h2-good"), "h2 good"), { status: 200, body: "h2 backend" });
    assert.deepEqual(await within(get(client, "/h1-good"), "h1 good"), { status: 200, body: "h1 backend" });
  });

  it("answers 503 UF for a server with another identity and logs expected and presented ids", async () => {
    for (const c of ["h2-bad", "h1-bad"]) {
      const r = await within(get(client, `/${c}`), c);
      assert.equal(r.status, 503, c);
      assert.match(r.body, /upstream connect failure/, c);
      const line = lines.find((l) => l.includes(`upstream ${c} `) && l.includes("SAN mismatch"));
      assert.ok(line !== undefined, `a log line for ${c}`);
      assert.ok(line.includes(OTHER_ID) && line.includes(SERVER_ID), line);
    }
  });
});
