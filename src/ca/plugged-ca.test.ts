import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { isMizzenError, type MizzenError } from "../errors.js";
import { makeKeyAndCsr } from "../agent/workload-key.js";
import { CertificateAuthority } from "./authority.js";
import { loadPluggedCa } from "./plugged-ca.js";
import { createSelfSignedRoot } from "./signing-ca.js";
import { makeIntermediate, tempDir, writePluggedDir } from "./testing/fixtures.js";

const ID = { trustDomain: "cluster.local", namespace: "default", serviceAccount: "reviews" };

function problemsOf(e: unknown): readonly string[] {
  assert.ok(isMizzenError(e), `expected MizzenError, got ${String(e)}`);
  assert.equal((e as MizzenError).code, "MIZZEN_ERR_CA_PLUGGED_INVALID");
  return (e as MizzenError).details ?? [];
}

test("a plugged-in CA with an intermediate signs chains that verify link by link up to root-cert.pem", async () => {
  const dir = tempDir();
  try {
    const plugged = await writePluggedDir(dir.path);
    const signing = await loadPluggedCa(dir.path);
    assert.equal(signing.chainPems.length, 2);
    const authority = new CertificateAuthority({ signing });
    const { csrPem } = await makeKeyAndCsr();
    const chain = await authority.signWorkload(csrPem, ID);
    assert.equal(chain.length, 3, "leaf, intermediate, root");
    const certs = chain.map((p) => new X509Certificate(p));
    const [leaf, inter, root] = certs as [X509Certificate, X509Certificate, X509Certificate];
    assert.equal(root.fingerprint256, new X509Certificate(plugged.root.ca.certPem).fingerprint256);
    assert.equal(inter.fingerprint256, new X509Certificate(plugged.intermediate.certPem).fingerprint256);
    assert.equal(leaf.checkIssued(inter), true);
    assert.equal(leaf.verify(inter.publicKey), true);
    assert.equal(inter.verify(root.publicKey), true);
    assert.equal(leaf.verify(root.publicKey), false, "the leaf is signed by the intermediate, not the root");
    assert.equal(leaf.subjectAltName, "URI:spiffe://cluster.local/ns/default/sa/reviews");
    assert.deepEqual(authority.trustBundle(), [signing.rootPem]);
  } finally {
    dir.remove();
  }
});

test("cert-chain.pem may be absent: the chain is ca-cert.pem then root-cert.pem", async () => {
  const dir = tempDir();
  try {
    await writePluggedDir(dir.path);
    unlinkSync(join(dir.path, "cert-chain.pem"));
    const signing = await loadPluggedCa(dir.path);
    assert.equal(signing.chainPems.length, 2);
  } finally {
    dir.remove();
  }
});

test("missing files are named", async () => {
  const dir = tempDir();
  try {
    await writePluggedDir(dir.path);
    unlinkSync(join(dir.path, "ca-key.pem"));
    unlinkSync(join(dir.path, "root-cert.pem"));
    const e = await loadPluggedCa(dir.path).then(() => undefined, (x: unknown) => x);
    const p = problemsOf(e);
    assert.equal(p.length, 2);
    assert.ok(p.some((l) => l.includes("ca-key.pem")) && p.some((l) => l.includes("root-cert.pem")));
  } finally {
    dir.remove();
  }
});

test("a key of another CA, a root that did not sign the chain, and a non-CA ca-cert are each reported", async () => {
  const dir = tempDir();
  try {
    const plugged = await writePluggedDir(dir.path, { isCa: false });
    const stranger = await createSelfSignedRoot({ trustDomain: "cluster.local", keyKind: "ecdsa-p256" });
    writeFileSync(join(dir.path, "ca-key.pem"), stranger.keyPem);
    writeFileSync(join(dir.path, "root-cert.pem"), stranger.ca.certPem);
    writeFileSync(join(dir.path, "cert-chain.pem"), plugged.intermediate.certPem);
    const e = await loadPluggedCa(dir.path).then(() => undefined, (x: unknown) => x);
    const p = problemsOf(e);
    assert.ok(p.some((l) => l.includes("ca-key.pem") && l.includes("does not match")), p.join("\n"));
    assert.ok(p.some((l) => l.includes("not a CA certificate")), p.join("\n"));
    assert.ok(p.some((l) => l.includes("not signed by") || l.includes("does not end at root-cert.pem")), p.join("\n"));
    assert.ok(!(e as Error).message.includes("PRIVATE KEY"), "key material is never in errors");
  } finally {
    dir.remove();
  }
});

test("an expired intermediate is reported", async () => {
  const dir = tempDir();
  try {
    const plugged = await writePluggedDir(dir.path);
    const expired = await makeIntermediate(plugged.root, { notAfter: new Date(Date.now() - 1000) });
    writeFileSync(join(dir.path, "ca-cert.pem"), expired.certPem);
    writeFileSync(join(dir.path, "ca-key.pem"), expired.keyPem);
    writeFileSync(join(dir.path, "cert-chain.pem"), expired.certPem + plugged.root.ca.certPem);
    const p = problemsOf(await loadPluggedCa(dir.path).then(() => undefined, (x: unknown) => x));
    assert.ok(p.some((l) => l.includes("expired")), p.join("\n"));
  } finally {
    dir.remove();
  }
});
