// The material a CA signs with: its certificate and key, the chain above it, and its root.
// Also makes Istio-style self-signed roots (O=<trust domain>, 10 years, RSA 2048 by default).
import { randomBytes } from "node:crypto";
import { generateKeyPair, privateKeyToPem, signatureAlgorithm, type KeyKind, type SignatureAlgorithm } from "./keys.js";
import { x509, type Key } from "./x509.js";

export interface SigningCa {
  /** PEM of the certificate that signs workload certs (ca-cert.pem). */
  readonly certPem: string;
  readonly cert: x509.X509Certificate;
  readonly privateKey: Key;
  readonly algorithm: SignatureAlgorithm;
  /** From the signing cert up to and including the root, root last (cert-chain.pem + root). */
  readonly chainPems: readonly string[];
  /** The root this CA chains to (root-cert.pem). */
  readonly rootPem: string;
}

export const SELF_SIGNED_ROOT_TTL_MS = 10 * 365 * 24 * 3600 * 1000;

/** A random positive serial, 16 bytes, hex. */
export function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f | 0x01;
  return b.toString("hex");
}

export interface SelfSignedOptions {
  readonly trustDomain: string;
  readonly keyKind?: KeyKind;
  readonly ttlMs?: number;
  readonly now?: number;
}

export interface SelfSignedRoot {
  readonly ca: SigningCa;
  readonly keyPem: string;
}

/** A fresh self-signed root CA, as istiod makes at first start. */
export async function createSelfSignedRoot(opts: SelfSignedOptions): Promise<SelfSignedRoot> {
  const kind = opts.keyKind ?? "rsa-2048";
  const keys = await generateKeyPair(kind);
  const algorithm = signatureAlgorithm(kind);
  const now = opts.now ?? Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ O: [opts.trustDomain] }],
    keys,
    signingAlgorithm: algorithm,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + (opts.ttlMs ?? SELF_SIGNED_ROOT_TTL_MS)),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = `${cert.toString("pem")}\n`;
  return {
    ca: { certPem, cert, privateKey: keys.privateKey, algorithm, chainPems: [certPem], rootPem: certPem },
    keyPem: await privateKeyToPem(keys.privateKey),
  };
}
