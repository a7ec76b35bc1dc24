// PEM checks for TLS secrets: certificates (chains) and private keys must parse, and a
// certificate must belong to its key.
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";

const block = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

function pemBlocks(text: string): { label: string; pem: string }[] {
  return [...text.matchAll(block)].map((m) => ({ label: m[1] ?? "", pem: m[0] }));
}

export interface CertCheck {
  error?: string;
  leaf?: X509Certificate;
}

/** One or more CERTIFICATE blocks, each a parsable X.509 certificate. */
export function checkCertificates(text: string): CertCheck {
  const certs = pemBlocks(text).filter((b) => b.label === "CERTIFICATE");
  if (certs.length === 0) return { error: "does not contain a PEM certificate (-----BEGIN CERTIFICATE-----)" };
  let leaf: X509Certificate | undefined;
  for (let i = 0; i < certs.length; i++) {
    try {
      const cert = new X509Certificate(certs[i]?.pem ?? "");
      leaf ??= cert;
    } catch (e) {
      return { error: `certificate ${i + 1} does not parse: ${e instanceof Error ? e.message : "invalid"}` };
    }
  }
  return leaf ? { leaf } : { error: "does not contain a PEM certificate" };
}

export interface KeyCheck {
  error?: string;
  key?: KeyObject;
}

/** A PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC). Encrypted keys are not usable by a proxy. */
export function checkPrivateKey(text: string): KeyCheck {
  const keys = pemBlocks(text).filter((b) => /PRIVATE KEY$/.test(b.label));
  if (keys.length === 0) return { error: "does not contain a PEM private key (-----BEGIN PRIVATE KEY-----)" };
  if (keys.length > 1) return { error: "contains more than one private key" };
  if (keys[0]?.label === "ENCRYPTED PRIVATE KEY") return { error: "is an encrypted private key; a proxy cannot use it without a passphrase" };
  try {
    return { key: createPrivateKey({ key: keys[0]?.pem ?? "", format: "pem" }) };
  } catch (e) {
    return { error: `private key does not parse: ${e instanceof Error ? e.message : "invalid"}` };
  }
}

/** True when the certificate's public key is the key pair's. */
export function certMatchesKey(cert: X509Certificate, key: KeyObject): boolean {
  try {
    return cert.checkPrivateKey(key);
  } catch {
    return false;
  }
}
