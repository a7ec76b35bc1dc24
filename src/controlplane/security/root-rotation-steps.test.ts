// Root rotation through the secure endpoint with a real identity agent over TLS: each step shows in
// the agent's ROOTCA and certificate (both roots during the overlap, a cert under the new root, the
// old root dropped), and the agent keeps reaching the CA after its serving cert moved roots.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startIdentityAgent } from "../../agent/index.js";
import { pemsFromSecrets } from "../../agent/envoy-secrets.js";
import { fingerprint, splitCertificates } from "../../ca/pem.js";
import { isMizzenError } from "../../errors.js";
import { AdsServer } from "../../xds/index.js";
import { issuePodToken } from "./pod-tokens.js";
import { RootRotation } from "./root-rotation-steps.js";
import { startSecureEndpoint } from "./secure-endpoint.js";

test("trust → sign → retire reaches a connected agent's ROOTCA and certificate", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "mizzen-rotation-steps-"));
  const ads = new AdsServer({ source: () => [] });
  const logs: string[] = [];
  const ep = await startSecureEndpoint({ dataDir, trustDomain: "cluster.local", host: "127.0.0.1", port: 0, ads, log: (m) => logs.push(m), rotationSignal: null });
  const token = await issuePodToken(dataDir, { namespace: "shop", serviceAccount: "cart", pod: "cart-0" });
  const agent = await startIdentityAgent({ caAddress: `127.0.0.1:${ep.port}`, rootCertPem: await readFile(ep.rootCertFile, "utf8"), token, firstCertTimeoutMs: 10_000 });
  const renewed = (): Promise<void> => new Promise((resolve) => {
    const off = agent.onSecrets(() => { off(); resolve(); });
    agent.refreshNow();
  });
  const rootca = (): string[] => splitCertificates(pemsFromSecrets(agent.secrets()).trustedCa ?? "").map(fingerprint);
  try {
    const oldRoot = fingerprint(ep.authority.activeRoot());
    assert.deepEqual(rootca(), [oldRoot]);

    const s1 = await ep.rotateRoot();
    assert.equal(s1.step, "trust-new-root");
    await renewed();
    assert.equal(rootca().length, 2, "both roots during the overlap");
    assert.equal(fingerprint(agent.certificateRoot() ?? ""), oldRoot, "still issued under the old root");

    const s2 = await ep.rotateRoot();
    assert.equal(s2.step, "sign-with-new-root");
    const newRoot = fingerprint(ep.authority.activeRoot());
    assert.notEqual(newRoot, oldRoot);
    await renewed();
    assert.equal(fingerprint(agent.certificateRoot() ?? ""), newRoot, "renewed under the new root");
    assert.equal(rootca().length, 2);

    const s3 = await ep.rotateRoot();
    assert.equal(s3.step, "retire-old-roots");
    await renewed();
    assert.deepEqual(rootca(), [newRoot], "old root retired");
    assert.deepEqual(agent.trustBundle().map(fingerprint), [newRoot], "the CA client trusts only the new root");
    await renewed(); // the CA is still reachable with the new bundle alone
    assert.ok(logs.some((l) => l.includes("root rotation step retire-old-roots")));
    assert.equal((await ep.rotateRoot()).step, "trust-new-root", "a new rotation can start");
  } finally {
    agent.close();
    await ads.close();
    await ep.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("a plugged-in CA refuses rotation steps with a stable code", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "mizzen-rotation-plugged-"));
  try {
    const ads = new AdsServer({ source: () => [] });
    const ep = await startSecureEndpoint({ dataDir, trustDomain: "cluster.local", host: "127.0.0.1", port: 0, ads, log: () => undefined, rotationSignal: null });
    try {
      const plugged = new RootRotation(ep.authority, dataDir, true);
      await assert.rejects(plugged.advance(), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_CA_ROTATION_PLUGGED");
    } finally {
      await ads.close();
      await ep.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
