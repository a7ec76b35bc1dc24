import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { isMizzenError } from "../errors.js";
import { loadOrCreateSelfSignedCa, ROOT_CERT_FILE, ROOT_KEY_FILE } from "./self-signed-store.js";
import { BOOTSTRAP_KEY_FILE, BootstrapTokens } from "./authn/bootstrap-token.js";
import { tempDir } from "./testing/fixtures.js";

test("first start makes an Istio-style root (RSA 2048, O=trust domain, 10 years, CA); restart reuses it", async () => {
  const dir = tempDir();
  try {
    const first = await loadOrCreateSelfSignedCa({ dataDir: dir.path, trustDomain: "cluster.local" });
    assert.equal(first.created, true);
    const root = new X509Certificate(first.ca.rootPem);
    assert.equal(root.ca, true);
    assert.equal(root.subject, "O=cluster.local");
    assert.equal(root.checkIssued(root), true);
    assert.equal(root.verify(root.publicKey), true);
    assert.equal(root.publicKey.asymmetricKeyType, "rsa");
    assert.equal(root.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    const years = (Date.parse(root.validTo) - Date.parse(root.validFrom)) / (365 * 86_400_000);
    assert.ok(years >= 9.99 && years <= 10.01, `validity ${years} years`);

    const second = await loadOrCreateSelfSignedCa({ dataDir: dir.path, trustDomain: "cluster.local" });
    assert.equal(second.created, false);
    assert.equal(new X509Certificate(second.ca.rootPem).fingerprint256, root.fingerprint256);
    assert.equal(readFileSync(join(dir.path, ROOT_CERT_FILE), "utf8"), first.ca.rootPem);
  } finally {
    dir.remove();
  }
});

test("private keys on disk are 0600 (root key and bootstrap token key)", async () => {
  const dir = tempDir();
  try {
    await loadOrCreateSelfSignedCa({ dataDir: dir.path, trustDomain: "cluster.local" });
    BootstrapTokens.open(dir.path);
    for (const f of [ROOT_KEY_FILE, BOOTSTRAP_KEY_FILE]) {
      assert.equal(statSync(join(dir.path, f)).mode & 0o777, 0o600, f);
    }
    assert.equal(statSync(join(dir.path, ROOT_CERT_FILE)).mode & 0o077 & 0o022, 0);
    assert.equal(createPrivateKey(readFileSync(join(dir.path, ROOT_KEY_FILE))).asymmetricKeyType, "rsa");
  } finally {
    dir.remove();
  }
});

test("an ECDSA P-256 root can be asked for", async () => {
  const dir = tempDir();
  try {
    const { ca } = await loadOrCreateSelfSignedCa({ dataDir: dir.path, trustDomain: "example.org", keyKind: "ecdsa-p256" });
    const root = new X509Certificate(ca.rootPem);
    assert.equal(root.publicKey.asymmetricKeyType, "ec");
    assert.equal(root.subject, "O=example.org");
  } finally {
    dir.remove();
  }
});

test("a data dir with only half of the root, or a key of another root, is refused with a clear error", async () => {
  const dir = tempDir();
  const other = tempDir();
  try {
    await loadOrCreateSelfSignedCa({ dataDir: dir.path, trustDomain: "cluster.local", keyKind: "ecdsa-p256" });
    await loadOrCreateSelfSignedCa({ dataDir: other.path, trustDomain: "cluster.local", keyKind: "ecdsa-p256" });
    writeFileSync(join(dir.path, ROOT_KEY_FILE), readFileSync(join(other.path, ROOT_KEY_FILE)));
    await assert.rejects(loadOrCreateSelfSignedCa({ dataDir: dir.path, trustDomain: "cluster.local" }), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_CA_KEY_MISMATCH");
    unlinkSync(join(dir.path, ROOT_KEY_FILE));
    await assert.rejects(loadOrCreateSelfSignedCa({ dataDir: dir.path, trustDomain: "cluster.local" }), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_CA_DATA_DIR" && e.message.includes(ROOT_KEY_FILE));
  } finally {
    dir.remove();
    other.remove();
  }
});
