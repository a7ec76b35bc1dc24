import assert from "node:assert/strict";
import { test } from "node:test";
import { CertificateAuthority } from "../ca/authority.js";
import { createSelfSignedRoot } from "../ca/signing-ca.js";
import { CertRotator, rotationTime, type IssuedCert } from "./cert-rotator.js";
import { FakeClock } from "./testing/fake-clock.js";
import { makeKeyAndCsr } from "./workload-key.js";

const ID = { trustDomain: "cluster.local", namespace: "default", serviceAccount: "sleep" };

/** A fetch backed by a real in-process CA; `ttl` is read per call so a test can make it fail. */
async function realFetch(): Promise<{ fetch: () => Promise<{ keyPem: string; chainPems: string[] }>; ttl: { seconds: number } }> {
  const root = await createSelfSignedRoot({ trustDomain: "cluster.local", keyKind: "ecdsa-p256" });
  const ca = new CertificateAuthority({ signing: root.ca, defaultTtlMs: 3600_000, maxTtlMs: 7200_000 });
  const ttl = { seconds: 3600 };
  return {
    ttl,
    fetch: async () => {
      const { keyPem, csrPem } = await makeKeyAndCsr();
      return { keyPem, chainPems: await ca.signWorkload(csrPem, ID, ttl.seconds) };
    },
  };
}

function waitFor<T>(register: (resolve: (v: T) => void) => void, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms);
    register((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

test("rotation time is notBefore + lifetime * (1 - grace ratio)", () => {
  assert.equal(rotationTime(1000, 5000), 3000);
  assert.equal(rotationTime(0, 100, 0.25), 75);
  assert.equal(rotationTime(0, 100, 1), 0);
});

test("the first cert is fetched at start and the next fetch is due at half-life; close cancels it", async () => {
  const { fetch } = await realFetch();
  const clock = new FakeClock();
  let onCert!: (c: IssuedCert) => void;
  const got = waitFor<IssuedCert>((r) => (onCert = r), 10_000);
  const rotator = new CertRotator({ clock, fetch, onCert: (c) => onCert(c) });
  rotator.start();
  const cert = await got;
  assert.equal(cert.spiffeId, "spiffe://cluster.local/ns/default/sa/sleep");
  assert.equal(cert.notAfter - cert.notBefore, 3600_000);
  assert.equal(rotator.nextFetchAt, cert.notBefore + 1800_000);
  assert.equal(clock.pendingCount(), 1);
  rotator.close();
  assert.equal(clock.pendingCount(), 0);
  clock.advance(3600_000);
  assert.equal(rotator.fetches, 1);
});

test("failures back off 10, 20, 40 ms capped at 40, then the cert comes", async () => {
  const { fetch, ttl } = await realFetch();
  ttl.seconds = 10 * 3600; // above the CA's max: refused
  const clock = new FakeClock();
  const delays: number[] = [];
  let onError!: () => void;
  let onCert!: (c: IssuedCert) => void;
  const rotator = new CertRotator({
    clock,
    fetch,
    initialBackoffMs: 10,
    maxBackoffMs: 40,
    onCert: (c) => onCert(c),
    onError: (_e, _attempt, retryInMs) => {
      delays.push(retryInMs);
      onError();
    },
  });
  try {
    let failed = waitFor<void>((r) => (onError = r), 10_000);
    rotator.start();
    for (let i = 0; i < 4; i++) {
      await failed;
      failed = waitFor<void>((r) => (onError = r), 10_000);
      assert.equal(rotator.cert(), undefined);
      if (i < 3) clock.advance(delays[i] ?? 0);
    }
    assert.deepEqual(delays, [10, 20, 40, 40]);
    failed.catch(() => undefined);
    ttl.seconds = 3600;
    const got = waitFor<IssuedCert>((r) => (onCert = r), 10_000);
    clock.advance(40);
    assert.equal((await got).notAfter - (await got).notBefore, 3600_000);
    assert.equal(rotator.fetches, 5);
  } finally {
    rotator.close();
  }
});
