// The agent's certificate lifecycle against a real CA over TLS: first cert, rotation at half-life
// (fake clock and a real 4 s TTL), retry with back-off while the CA is away, Envoy secrets.
import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { createServer } from "node:net";
import { test } from "node:test";
import { startIdentityAgent, type IdentityAgent } from "../src/agent/identity-agent.js";
import { pemsFromSecrets, type EnvoySecretJson } from "../src/agent/envoy-secrets.js";
import { rotationTime } from "../src/agent/cert-rotator.js";
import { FakeClock } from "../src/agent/testing/fake-clock.js";
import { startTestCa } from "../src/ca/testing/ca-harness.js";
import { tempDir } from "../src/ca/testing/fixtures.js";
import { compileSecret } from "../src/proxy/tls/secret-store.js";
import { isMizzenError } from "../src/errors.js";

const POD = { namespace: "bookinfo", serviceAccount: "details", podName: "details-v1-0" };
const SERVER_NAME = "istiod.istio-system.svc";

/** Resolves with the next `count` onSecrets deliveries, or rejects after `ms`. */
function nextSecrets(agent: IdentityAgent, count: number, ms: number): Promise<EnvoySecretJson[][]> {
  return new Promise((resolve, reject) => {
    const got: EnvoySecretJson[][] = [];
    const timer = setTimeout(() => {
      off();
      reject(new Error(`only ${got.length} of ${count} secret updates within ${ms} ms`));
    }, ms);
    const off = agent.onSecrets((s) => {
      got.push(s);
      if (got.length < count) return;
      clearTimeout(timer);
      off();
      resolve(got);
    });
  });
}

function serialOf(secrets: readonly EnvoySecretJson[]): string {
  const pems = pemsFromSecrets(secrets);
  return new X509Certificate(pems.certChain ?? "").serialNumber;
}

test("first cert arrives as Envoy secrets default + ROOTCA that the proxy's SecretStore accepts", async () => {
  const ca = await startTestCa();
  const agent = await startIdentityAgent({ caAddress: ca.server.address, rootCertPem: ca.rootsPem(), serverName: SERVER_NAME, token: await ca.token(POD), firstCertTimeoutMs: 10_000 });
  try {
    const secrets = agent.secrets();
    assert.deepEqual(secrets.map((s) => s.name), ["default", "ROOTCA"]);
    const def = compileSecret(secrets[0], "default");
    const root = compileSecret(secrets[1], "ROOTCA");
    assert.ok(def.certificate?.privateKey.includes("BEGIN PRIVATE KEY"));
    assert.ok(root.validation !== undefined);
    const pems = pemsFromSecrets(secrets);
    const leaf = new X509Certificate(pems.certChain ?? "");
    assert.equal(leaf.subjectAltName, "URI:spiffe://cluster.local/ns/bookinfo/sa/details");
    assert.equal(leaf.publicKey.asymmetricKeyType, "ec");
    assert.equal(leaf.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
    assert.equal(leaf.checkPrivateKey(createPrivateKey(pems.privateKey ?? "")), true);
    assert.equal(new X509Certificate(pems.trustedCa ?? "").fingerprint256, new X509Certificate(ca.rootsPem()).fingerprint256);
    assert.equal(agent.certificate()?.spiffeId, "spiffe://cluster.local/ns/bookinfo/sa/details");
  } finally {
    agent.close();
    await ca.close();
  }
});

test("with a fake clock: no new CSR before half-life, one new cert right after it", async () => {
  const ca = await startTestCa();
  const clock = new FakeClock();
  const agent = await startIdentityAgent({ caAddress: ca.server.address, rootCertPem: ca.rootsPem(), serverName: SERVER_NAME, token: await ca.token(POD), ttlSeconds: 3600, clock, firstCertTimeoutMs: 10_000 });
  try {
    const first = agent.certificate();
    assert.ok(first);
    const due = rotationTime(first.notBefore, first.notAfter, 0.5);
    assert.equal(due - first.notBefore, 1800_000, "half of a one-hour TTL");
    assert.equal(agent.rotator.nextFetchAt, due);
    assert.equal(agent.rotator.fetches, 1);
    clock.advance(due - clock.now() - 1);
    assert.equal(agent.rotator.fetches, 1, "nothing fetched before half-life");
    const rotated = nextSecrets(agent, 1, 10_000);
    clock.advance(1);
    assert.equal(agent.rotator.fetches, 2);
    const [secrets] = await rotated;
    assert.ok(secrets);
    assert.notEqual(serialOf(secrets), first.serialNumber);
    assert.notEqual(agent.certificate()?.keyPem, first.keyPem, "a new key with every cert");
  } finally {
    agent.close();
    await ca.close();
  }
});

test("with a real 4 s TTL the agent rotates at half-life, again and again", async () => {
  const ca = await startTestCa();
  const agent = await startIdentityAgent({ caAddress: ca.server.address, rootCertPem: ca.rootsPem(), serverName: SERVER_NAME, token: await ca.token(POD), ttlSeconds: 4, firstCertTimeoutMs: 10_000 });
  try {
    const first = agent.certificate();
    assert.ok(first);
    assert.equal(first.notAfter - first.notBefore, 4000);
    assert.equal(agent.rotator.nextFetchAt, rotationTime(first.notBefore, first.notAfter));
    const updates = await nextSecrets(agent, 2, 20_000);
    const serials = [first.serialNumber, ...updates.map(serialOf)];
    assert.equal(new Set(serials).size, 3, "three distinct certificates");
    const latest = agent.certificate();
    assert.ok(latest);
    assert.ok(latest.notBefore >= first.notBefore);
  } finally {
    agent.close();
    await ca.close();
  }
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const addr = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (addr === null || typeof addr === "string") throw new Error("no port");
  return addr.port;
}

test("while the CA is unreachable the agent retries with doubling, capped back-off, then gets its cert", async () => {
  const port = await freePort();
  const dir = tempDir();
  // Make the CA's root and token key, then stop it: the agent starts while nothing listens.
  const pre = await startTestCa({ dataDir: dir.path });
  const roots = pre.rootsPem();
  const token = await pre.token(POD);
  await pre.close();
  const retries: number[] = [];
  let sawThree!: () => void;
  const threeErrors = new Promise<void>((r) => (sawThree = r));
  const agent = await startIdentityAgent({
    caAddress: `127.0.0.1:${port}`,
    rootCertPem: roots,
    serverName: SERVER_NAME,
    token,
    initialBackoffMs: 50,
    maxBackoffMs: 200,
    waitForFirstCert: false,
    onError: (e, attempt, retryInMs) => {
      if (isMizzenError(e) && e.code === "MIZZEN_ERR_AGENT_CSR_FAILED") retries.push(retryInMs);
      if (attempt === 3) sawThree();
    },
  });
  let ca: Awaited<ReturnType<typeof startTestCa>> | undefined;
  try {
    await bounded(threeErrors, 20_000, "three failed attempts");
    assert.deepEqual(retries.slice(0, 3), [50, 100, 200]);
    assert.deepEqual(agent.secrets(), []);
    const arrived = nextSecrets(agent, 1, 20_000);
    // The CA restarts from the same data dir (same root, same token key) on the agent's port.
    ca = await startTestCa({ port, dataDir: dir.path });
    const [secrets] = await arrived;
    assert.ok(secrets);
    assert.equal(new X509Certificate(pemsFromSecrets(secrets).certChain ?? "").subjectAltName, "URI:spiffe://cluster.local/ns/bookinfo/sa/details");
    assert.ok(retries.every((r) => r <= 200), "back-off is capped");
  } finally {
    agent.close();
    await ca?.close();
    dir.remove();
  }
});

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms))),
  ]);
}
