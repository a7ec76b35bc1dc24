// Test fixtures for the CA: temp dirs and a plugged-in CA directory (root -> intermediate) in
// Istio's file layout, made in-process.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair, privateKeyToPem } from "../keys.js";
import { createSelfSignedRoot, randomSerial, type SelfSignedRoot } from "../signing-ca.js";
import { x509 } from "../x509.js";

export function tempDir(prefix = "mizzen-ca-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface IntermediateOptions {
  readonly cn?: string;
  readonly isCa?: boolean;
  readonly notAfter?: Date;
}

/** An ECDSA intermediate CA signed by `root`. */
export async function makeIntermediate(root: SelfSignedRoot, opts: IntermediateOptions = {}): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateKeyPair("ecdsa-p256");
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `O=cluster.local, CN=${opts.cn ?? "Intermediate CA"}`,
    issuer: root.ca.cert.subjectName,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: opts.notAfter ?? new Date(Date.now() + 365 * 86_400_000),
    publicKey: keys.publicKey,
    signingKey: root.ca.privateKey,
    signingAlgorithm: root.ca.algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(opts.isCa ?? true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: `${cert.toString("pem")}\n`, keyPem: await privateKeyToPem(keys.privateKey) };
}

export interface PluggedDir {
  readonly dir: string;
  readonly root: SelfSignedRoot;
  readonly intermediate: { certPem: string; keyPem: string };
}

/** Writes ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem as Istio's plugin-certs task does. */
export async function writePluggedDir(dir: string, opts: IntermediateOptions = {}): Promise<PluggedDir> {
  const root = await createSelfSignedRoot({ trustDomain: "cluster.local", keyKind: "ecdsa-p256" });
  const intermediate = await makeIntermediate(root, opts);
  writeFileSync(join(dir, "ca-cert.pem"), intermediate.certPem);
  writeFileSync(join(dir, "ca-key.pem"), intermediate.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, "root-cert.pem"), root.ca.certPem);
  writeFileSync(join(dir, "cert-chain.pem"), intermediate.certPem + root.ca.certPem);
  return { dir, root, intermediate };
}
