import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { isMizzenError } from "../errors.js";
import { CertificateAuthority } from "./authority.js";
import { activateNextRoot, NEXT_ROOT_KEY_FILE, persistTrustBundle, prepareNextRoot, readTrustBundle } from "./root-rotation.js";
import { loadOrCreateSelfSignedCa } from "./self-signed-store.js";
import { tempDir } from "./testing/fixtures.js";

const fp = (pem: string): string => new X509Certificate(pem).fingerprint256;

async function open(dataDir: string): Promise<CertificateAuthority> {
  const { ca } = await loadOrCreateSelfSignedCa({ dataDir, trustDomain: "cluster.local", keyKind: "ecdsa-p256" });
  const authority = new CertificateAuthority({ signing: ca, trustBundle: readTrustBundle(dataDir) });
  persistTrustBundle(authority, dataDir);
  return authority;
}

test("a rotation survives restarts at every step: both roots stay trusted until the old one is retired", async () => {
  const dir = tempDir();
  try {
    let authority = await open(dir.path);
    const oldRoot = authority.activeRoot();
    await assert.rejects(activateNextRoot(authority, dir.path), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_CA_NO_NEXT_ROOT");
    const next = await prepareNextRoot(authority, dir.path, "ecdsa-p256");
    assert.equal(statSync(join(dir.path, NEXT_ROOT_KEY_FILE)).mode & 0o777, 0o600);

    authority = await open(dir.path); // restart after step 1
    assert.equal(fp(authority.activeRoot()), fp(oldRoot), "still signing under the old root");
    assert.deepEqual(authority.trustBundle().map(fp).sort(), [fp(oldRoot), fp(next.rootPem)].sort());

    await activateNextRoot(authority, dir.path);
    assert.equal(existsSync(join(dir.path, NEXT_ROOT_KEY_FILE)), false);
    authority = await open(dir.path); // restart after step 2
    assert.equal(fp(authority.activeRoot()), fp(next.rootPem), "signing under the new root");
    assert.equal(authority.trustBundle().length, 2, "old root still trusted");

    authority.retireRoot(oldRoot);
    authority = await open(dir.path); // restart after step 3
    assert.deepEqual(authority.trustBundle().map(fp), [fp(next.rootPem)]);
  } finally {
    dir.remove();
  }
});
