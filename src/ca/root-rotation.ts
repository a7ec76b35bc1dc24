// Root rotation for the self-signed CA, persisted in the data dir so a restart mid-rotation keeps
// trusting every root: trust-bundle.pem lists the trusted roots; next-root-cert.pem/next-ca-key.pem
// hold a root that is trusted but not yet signing.
import { unlinkSync } from "node:fs";
import { join } from "node:path";
import { MizzenError } from "../errors.js";
import type { CertificateAuthority } from "./authority.js";
import { existsSync, readCaFile, writePrivateFile, writePublicFile } from "./files.js";
import { importPrivateKeyPem, type KeyKind } from "./keys.js";
import { splitCertificates } from "./pem.js";
import { ROOT_CERT_FILE, ROOT_KEY_FILE } from "./self-signed-store.js";
import { createSelfSignedRoot, type SigningCa } from "./signing-ca.js";
import { x509 } from "./x509.js";

export const TRUST_BUNDLE_FILE = "trust-bundle.pem";
export const NEXT_ROOT_CERT_FILE = "next-root-cert.pem";
export const NEXT_ROOT_KEY_FILE = "next-ca-key.pem";

/** The persisted trust bundle of `dataDir` (empty when no rotation ever happened). */
export function readTrustBundle(dataDir: string): string[] {
  const path = join(dataDir, TRUST_BUNDLE_FILE);
  return existsSync(path) ? splitCertificates(readCaFile(path)) : [];
}

/** Keeps trust-bundle.pem equal to the authority's bundle from now on; returns the unsubscribe. */
export function persistTrustBundle(authority: CertificateAuthority, dataDir: string): () => void {
  const write = (roots: readonly string[]): void => writePublicFile(join(dataDir, TRUST_BUNDLE_FILE), roots.join(""));
  write(authority.trustBundle());
  return authority.onTrustBundle(write);
}

/** Step 1: make the next root, trust it (ROOTCA now carries both), keep signing under the old one. */
export async function prepareNextRoot(authority: CertificateAuthority, dataDir: string, keyKind: KeyKind = "rsa-2048"): Promise<SigningCa> {
  const made = await createSelfSignedRoot({ trustDomain: authority.trustDomain, keyKind });
  writePrivateFile(join(dataDir, NEXT_ROOT_KEY_FILE), made.keyPem);
  writePublicFile(join(dataDir, NEXT_ROOT_CERT_FILE), made.ca.certPem);
  authority.addTrustedRoot(made.ca.rootPem);
  return made.ca;
}

/** Step 2: sign under the prepared root; it becomes root-cert.pem/ca-key.pem. The old root stays trusted. */
export async function activateNextRoot(authority: CertificateAuthority, dataDir: string): Promise<SigningCa> {
  const certPath = join(dataDir, NEXT_ROOT_CERT_FILE);
  const keyPath = join(dataDir, NEXT_ROOT_KEY_FILE);
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    throw new MizzenError("MIZZEN_ERR_CA_NO_NEXT_ROOT", `${dataDir}: no prepared root (${NEXT_ROOT_CERT_FILE}); prepare one first`);
  }
  const certPem = readCaFile(certPath);
  const keyPem = readCaFile(keyPath);
  const key = await importPrivateKeyPem(keyPem, keyPath);
  const cert = new x509.X509Certificate(certPem);
  const next: SigningCa = { certPem, cert, privateKey: key.privateKey, algorithm: key.algorithm, chainPems: [certPem], rootPem: certPem };
  authority.useSigningCa(next);
  writePrivateFile(join(dataDir, ROOT_KEY_FILE), keyPem);
  writePublicFile(join(dataDir, ROOT_CERT_FILE), certPem);
  unlinkSync(keyPath);
  unlinkSync(certPath);
  return next;
}
