// PEM helpers shared by the CA and the agent: split bundles, wrap DER, compare certificates.
import { X509Certificate } from "node:crypto";
import { MizzenError } from "../errors.js";

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Every certificate block in `text`, each normalised to end with one newline. */
export function splitCertificates(text: string): string[] {
  return (text.match(CERT_BLOCK) ?? []).map((b) => `${b.trim()}\n`);
}

export function derToPem(der: ArrayBuffer | Uint8Array, label: string): string {
  const b64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Parses one PEM certificate with node's X509Certificate; `what` names it in the error. */
export function parseCertificate(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (e) {
    throw new MizzenError("MIZZEN_ERR_CA_CERT_PARSE", `${what}: not a valid PEM certificate`, { cause: e });
  }
}

/** SHA-256 fingerprint of a PEM certificate, the identity used to compare roots. */
export function fingerprint(pem: string): string {
  return parseCertificate(pem, "root certificate").fingerprint256;
}

/** Same certificate (DER equal)? */
export function sameCertificate(a: string, b: string): boolean {
  return new X509Certificate(a).raw.equals(new X509Certificate(b).raw);
}

/** Certificates of `pems` with duplicates (same DER) removed, order kept. */
export function uniqueCertificates(pems: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of pems) {
    const key = fingerprint(p);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

/** A short, stable name for a root in logs: the first 16 hex digits of its SHA-256. */
export function rootTag(pem: string): string {
  return fingerprint(pem).replace(/:/g, "").slice(0, 16).toLowerCase();
}
