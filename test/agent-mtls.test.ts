// mTLS between node TLS endpoints holding agent-issued certs: peer SPIFFE IDs, certificate swaps
// that keep open connections, and a root rotation whose overlap keeps every handshake working.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { test } from "node:test";
import * as tls from "node:tls";
import { startIdentityAgent, type IdentityAgent } from "../src/agent/identity-agent.js";
import { pemsFromSecrets, type EnvoySecretJson } from "../src/agent/envoy-secrets.js";
import { createSelfSignedRoot } from "../src/ca/signing-ca.js";
import { startTestCa, type TestCa } from "../src/ca/testing/ca-harness.js";
import { CertificateAuthority } from "../src/ca/authority.js";
import { BootstrapTokens } from "../src/ca/authn/bootstrap-token.js";
import { AuthenticatorRegistry } from "../src/ca/authn/registry.js";
import { startCaServer } from "../src/ca/csr-service.js";
import { loadPluggedCa } from "../src/ca/plugged-ca.js";
import { tempDir, writePluggedDir } from "../src/ca/testing/fixtures.js";

const SERVER_NAME = "istiod.istio-system.svc";
const spiffe = (sa: string): string => `spiffe://cluster.local/ns/bookinfo/sa/${sa}`;

interface Endpoint {
  readonly port: number;
  readonly peers: string[];
  close(): Promise<void>;
}

function tlsOptions(secrets: readonly EnvoySecretJson[]): { key: string; cert: string; ca: string } {
  const p = pemsFromSecrets(secrets);
  if (!p.certChain || !p.privateKey || !p.trustedCa) throw new Error("incomplete secrets");
  return { key: p.privateKey, cert: p.certChain, ca: p.trustedCa };
}

/** An mTLS echo server that follows the agent's secrets (new handshakes only, as the proxy does). */
async function startServer(agent: IdentityAgent): Promise<Endpoint> {
  const peers: string[] = [];
  const server = tls.createServer({ ...tlsOptions(agent.secrets()), requestCert: true, rejectUnauthorized: true }, (sock) => {
    peers.push(sock.getPeerX509Certificate()?.subjectAltName ?? "");
    sock.on("data", (d) => sock.write(`echo:${d.toString()}`));
    sock.on("error", () => undefined);
  });
  server.on("tlsClientError", () => undefined);
  const off = agent.onSecrets((s) => server.setSecureContext(tlsOptions(s)));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("no address");
  return {
    port: addr.port,
    peers,
    close: () =>
      new Promise((r) => {
        off();
        server.close(() => r());
      }),
  };
}

interface Conn {
  readonly socket: tls.TLSSocket;
  readonly serverSan: string;
  readonly serverSerial: string;
  ask(msg: string): Promise<string>;
}

/** Connects with `secrets`, checking the server's SPIFFE ID (secure naming) instead of a host name. */
function connect(port: number, secrets: readonly EnvoySecretJson[], expectServer: string): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      ...tlsOptions(secrets),
      checkServerIdentity: (_host, cert) => (cert.subjectaltname === `URI:${expectServer}` ? undefined : new Error(`server is ${cert.subjectaltname}, want ${expectServer}`)),
    });
    const timer = setTimeout(() => socket.destroy(new Error("handshake timeout")), 5000);
    socket.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      const peer = socket.getPeerX509Certificate();
      resolve({
        socket,
        serverSan: peer?.subjectAltName ?? "",
        serverSerial: peer?.serialNumber ?? "",
        // Under TLS 1.3 the server checks the client cert after the client's handshake is done,
        // so a refusal shows up here, as an error or a close without an answer.
        ask: (msg) =>
          new Promise((res, rej) => {
            const t = setTimeout(() => rej(new Error("no answer within 5 s")), 5000);
            socket.once("data", (d) => {
              clearTimeout(t);
              res(d.toString());
            });
            socket.once("error", (e) => {
              clearTimeout(t);
              rej(e);
            });
            socket.once("close", () => {
              clearTimeout(t);
              rej(new Error("closed without an answer"));
            });
            socket.write(msg);
          }),
      });
    });
  });
}

async function handshake(port: number, secrets: readonly EnvoySecretJson[], expectServer: string): Promise<string> {
  const c = await connect(port, secrets, expectServer);
  try {
    return await c.ask("hi");
  } finally {
    c.socket.destroy();
  }
}

function nextSecrets(agent: IdentityAgent, ms: number): Promise<EnvoySecretJson[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no secret update within ${ms} ms`));
    }, ms);
    const off = agent.onSecrets((s) => {
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

async function agentFor(ca: TestCa, sa: string, rootCertPem = ca.rootsPem()): Promise<IdentityAgent> {
  return startIdentityAgent({
    caAddress: ca.server.address,
    rootCertPem,
    serverName: SERVER_NAME,
    token: await ca.token({ namespace: "bookinfo", serviceAccount: sa, podName: `${sa}-0` }),
    ttlSeconds: 3600,
    firstCertTimeoutMs: 10_000,
  });
}

test("mTLS between two agent-issued identities: each side sees the other's SPIFFE ID; a wrong expected ID fails", async () => {
  const ca = await startTestCa();
  const reviews = await agentFor(ca, "reviews");
  const ratings = await agentFor(ca, "ratings");
  const server = await startServer(ratings);
  try {
    const c = await connect(server.port, reviews.secrets(), spiffe("ratings"));
    assert.equal(c.serverSan, `URI:${spiffe("ratings")}`);
    assert.equal(await c.ask("x"), "echo:x");
    c.socket.destroy();
    assert.deepEqual(server.peers, [`URI:${spiffe("reviews")}`]);
    await assert.rejects(connect(server.port, reviews.secrets(), spiffe("details")), /server is URI:spiffe:\/\/cluster.local\/ns\/bookinfo\/sa\/ratings/);
  } finally {
    await server.close();
    reviews.close();
    ratings.close();
    await ca.close();
  }
});

test("a certificate swap reaches new handshakes while an open connection keeps working", async () => {
  const ca = await startTestCa();
  const reviews = await agentFor(ca, "reviews");
  const ratings = await agentFor(ca, "ratings");
  const server = await startServer(ratings);
  try {
    const open = await connect(server.port, reviews.secrets(), spiffe("ratings"));
    const swapped = nextSecrets(ratings, 10_000);
    ratings.refreshNow();
    await swapped;
    assert.equal(await open.ask("still"), "echo:still");
    const fresh = await connect(server.port, reviews.secrets(), spiffe("ratings"));
    assert.notEqual(fresh.serverSerial, open.serverSerial);
    assert.equal(fresh.serverSerial, ratings.certificate()?.serialNumber);
    open.socket.destroy();
    fresh.socket.destroy();
  } finally {
    await server.close();
    reviews.close();
    ratings.close();
    await ca.close();
  }
});

test("root rotation: with both roots trusted during the overlap, old-root and new-root workloads keep talking", async () => {
  const ca = await startTestCa();
  const oldRoot = ca.authority.activeRoot();
  const reviews = await agentFor(ca, "reviews");
  const ratings = await agentFor(ca, "ratings");
  const ratingsServer = await startServer(ratings);
  let productpage: IdentityAgent | undefined;
  let ppServer: Endpoint | undefined;
  try {
    assert.equal(await handshake(ratingsServer.port, reviews.secrets(), spiffe("ratings")), "echo:hi");
    // 1. Trust the new root everywhere first (the ROOTCA bundle carries both).
    const next = await createSelfSignedRoot({ trustDomain: "cluster.local", keyKind: "ecdsa-p256" });
    ca.authority.addTrustedRoot(next.ca.rootPem);
    for (const a of [reviews, ratings]) a.setTrustBundle(ca.rootsPem());
    assert.equal(new X509Certificate(pemsFromSecrets(reviews.secrets()).trustedCa ?? "").fingerprint256, new X509Certificate(oldRoot).fingerprint256);
    assert.equal((pemsFromSecrets(reviews.secrets()).trustedCa ?? "").match(/BEGIN CERTIFICATE/g)?.length, 2);
    // 2. Sign under the new root; a new workload gets a new-root cert, old workloads keep theirs.
    ca.authority.useSigningCa(next.ca);
    await ca.server.servingCertSettled();
    productpage = await agentFor(ca, "productpage", ca.rootsPem());
    assert.equal(new X509Certificate(productpage.certificate()?.chainPems.at(-1) ?? "").fingerprint256, new X509Certificate(next.ca.rootPem).fingerprint256);
    const oldReviewsSecrets = reviews.secrets();
    ppServer = await startServer(productpage);
    assert.equal(await handshake(ppServer.port, reviews.secrets(), spiffe("productpage")), "echo:hi", "old-root client to new-root server");
    assert.equal(await handshake(ratingsServer.port, productpage.secrets(), spiffe("ratings")), "echo:hi", "new-root client to old-root server");
    // 3. Old workloads rotate onto the new root, then the old root is retired.
    for (const a of [reviews, ratings]) {
      const got = nextSecrets(a, 10_000);
      a.refreshNow();
      await got;
    }
    ca.authority.retireRoot(oldRoot);
    for (const a of [reviews, ratings, productpage]) a.setTrustBundle(ca.rootsPem());
    assert.equal((pemsFromSecrets(ratings.secrets()).trustedCa ?? "").match(/BEGIN CERTIFICATE/g)?.length, 1);
    assert.equal(await handshake(ppServer.port, reviews.secrets(), spiffe("productpage")), "echo:hi");
    assert.equal(await handshake(ratingsServer.port, productpage.secrets(), spiffe("ratings")), "echo:hi");
    // The CA endpoint now serves under the new root, so agents trusting only it still get certs.
    const renewed = nextSecrets(productpage, 10_000);
    productpage.refreshNow();
    await renewed;
    // Without the overlap this is what would have happened: an old-root cert is now refused.
    await assert.rejects(handshake(ppServer.port, oldReviewsSecrets, spiffe("productpage")));
  } finally {
    await ratingsServer.close();
    await ppServer?.close();
    reviews.close();
    ratings.close();
    productpage?.close();
    await ca.close();
  }
});

test("with a plugged-in CA the leaf and intermediate travel in `default` and peers verify against root-cert.pem alone", async () => {
  const dir = tempDir();
  const plugged = await writePluggedDir(dir.path);
  const authority = new CertificateAuthority({ signing: await loadPluggedCa(dir.path) });
  const tokens = BootstrapTokens.open(dir.path);
  const server = await startCaServer({ authority, authenticators: new AuthenticatorRegistry().register(tokens), port: 0 });
  const start = async (sa: string): Promise<IdentityAgent> =>
    startIdentityAgent({
      caAddress: server.address,
      rootCertPem: plugged.root.ca.certPem,
      serverName: SERVER_NAME,
      token: await tokens.issue({ namespace: "bookinfo", serviceAccount: sa, podName: `${sa}-0` }),
      firstCertTimeoutMs: 10_000,
    });
  const reviews = await start("reviews");
  const ratings = await start("ratings");
  const endpoint = await startServer(ratings);
  try {
    const pems = pemsFromSecrets(ratings.secrets());
    assert.equal(pems.certChain?.match(/BEGIN CERTIFICATE/g)?.length, 2, "leaf + intermediate");
    assert.equal(new X509Certificate(pems.trustedCa ?? "").fingerprint256, new X509Certificate(plugged.root.ca.certPem).fingerprint256);
    assert.equal(await handshake(endpoint.port, reviews.secrets(), spiffe("ratings")), "echo:hi");
    assert.deepEqual(endpoint.peers, [`URI:${spiffe("reviews")}`]);
  } finally {
    await endpoint.close();
    reviews.close();
    ratings.close();
    await server.close();
    dir.remove();
  }
});
