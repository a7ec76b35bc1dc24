// Principal-based AuthorizationPolicy (Istio's details-viewer) over real mutual TLS: the peer's
// SPIFFE ID from its certificate reaches RBAC through the connection; RBACPerRoute overrides.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from "node:tls";
import { request } from "node:https";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createSelfSignedRoot } from "../src/ca/signing-ca.js";
import { CertificateAuthority } from "../src/ca/authority.js";
import { makeKeyAndCsr } from "../src/agent/workload-key.js";
import { authorizationFilters } from "../src/pilot/security/index.js";
import { policy } from "../src/pilot/security/testing/authz-harness.js";
import { closeServer, echoUpstream, securedHcm } from "./security-fixtures.js";

interface Identity { key: string; cert: string }
let upstream: { server: Server; port: number };
let rootPem = "";
let ca: CertificateAuthority;
let server: TlsServer;
let port = 0;
let closePool: () => void = () => undefined;
const ids = new Map<string, Identity>();

async function identity(namespace: string, serviceAccount: string): Promise<Identity> {
  const { keyPem, csrPem } = await makeKeyAndCsr();
  const chain = await ca.signWorkload(csrPem, { trustDomain: "cluster.local", namespace, serviceAccount });
  return { key: keyPem, cert: chain.join("") };
}

function uriSans(s: TLSSocket): string[] {
  const alt = s.getPeerCertificate().subjectaltname ?? "";
  return alt.split(", ").filter((x) => x.startsWith("URI:")).map((x) => x.slice(4));
}

before(async () => {
  upstream = await echoUpstream();
  const root = await createSelfSignedRoot({ trustDomain: "cluster.local", keyKind: "ecdsa-p256" });
  ca = new CertificateAuthority({ signing: root.ca });
  rootPem = root.ca.certPem;
  for (const [ns, sa] of [["default", "details"], ["default", "bookinfo-productpage"], ["default", "bookinfo-reviews"]] as const) ids.set(sa, await identity(ns, sa));
  const details = policy("default", "details-viewer", { selector: { matchLabels: { app: "details" } }, action: "ALLOW",
    rules: [{ from: [{ source: { principals: ["cluster.local/ns/default/sa/bookinfo-productpage"] } }], to: [{ operation: { methods: ["GET"] } }] }] });
  const http = authorizationFilters({ namespace: "default", labels: { app: "details" } }, [details], { rootNamespace: "istio-system" }).http;
  // /public is opened for anyone by a per-route RBAC config (RBACPerRoute with ALLOW any).
  const publicRoute = { name: "public", match: { prefix: "/public" }, route: { cluster: "web" }, typed_per_filter_config: {
    "envoy.filters.http.rbac": { "@type": "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute",
      rbac: { rules: { action: "ALLOW", policies: { all: { permissions: [{ any: true }], principals: [{ any: true }] } } } } } } };
  const { hcm, pool } = securedHcm(upstream.port, http, [publicRoute]);
  closePool = () => pool.closeAll();
  const serverId = ids.get("details") as Identity;
  server = createTlsServer({ key: serverId.key, cert: serverId.cert, ca: rootPem, requestCert: true, rejectUnauthorized: false }, (socket) => {
    socket.on("error", () => socket.destroy());
    const verified = socket.authorized;
    hcm.onConnection({
      socket, remoteAddress: socket.remoteAddress ?? "", remotePort: socket.remotePort ?? 0,
      destinationAddress: socket.localAddress ?? "", destinationPort: socket.localPort ?? 0, listenerName: "inbound", filterChainName: "mtls",
      tls: { sni: (socket as TLSSocket & { servername?: string }).servername ?? "", peerUriSans: verified ? uriSans(socket) : [] },
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise((r) => server.close(r));
  closePool();
  await closeServer(upstream.server);
});

function call(as: string | null, path: string, method = "GET"): Promise<{ status: number; body: string }> {
  const id = as === null ? undefined : ids.get(as);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, ca: rootPem, ...(id ? { key: id.key, cert: id.cert } : {}),
      checkServerIdentity: () => undefined, agent: false, headers: { host: "details.default" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("details-viewer: productpage's identity may GET; reviews' identity and no client cert get 403", async () => {
  assert.equal((await call("bookinfo-productpage", "/details/0")).status, 200);
  assert.equal((await call("bookinfo-productpage", "/details/0", "POST")).status, 403);
  const reviews = await call("bookinfo-reviews", "/details/0");
  assert.equal(reviews.status, 403);
  assert.equal(reviews.body, "RBAC: access denied");
  assert.equal((await call(null, "/details/0")).status, 403);
});

test("RBACPerRoute replaces the filter's rules on its route", async () => {
  assert.equal((await call("bookinfo-reviews", "/public/x")).status, 200);
  assert.equal((await call(null, "/public/x")).status, 200);
});
