// The agent's certificate as Envoy SDS secrets (Envoy JSON, as Istio's agent serves them):
// `default` (tls_certificate) and `ROOTCA` (validation_context with every trusted root).
export const DEFAULT_SECRET = "default";
export const ROOTCA_SECRET = "ROOTCA";

export interface EnvoySecretJson {
  readonly name: string;
  readonly tls_certificate?: {
    readonly certificate_chain: { readonly inline_bytes: string };
    readonly private_key: { readonly inline_bytes: string };
  };
  readonly validation_context?: { readonly trusted_ca: { readonly inline_bytes: string } };
}

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

export function certificateSecret(chainPems: readonly string[], keyPem: string): EnvoySecretJson {
  return { name: DEFAULT_SECRET, tls_certificate: { certificate_chain: { inline_bytes: b64(chainPems.join("")) }, private_key: { inline_bytes: b64(keyPem) } } };
}

export function rootSecret(rootPems: readonly string[]): EnvoySecretJson {
  return { name: ROOTCA_SECRET, validation_context: { trusted_ca: { inline_bytes: b64(rootPems.join("")) } } };
}

export interface SecretPems {
  readonly certChain?: string;
  readonly privateKey?: string;
  readonly trustedCa?: string;
}

/** The PEMs inside `default` / `ROOTCA` secrets, for callers that build node TLS options directly. */
export function pemsFromSecrets(secrets: readonly EnvoySecretJson[]): SecretPems {
  const text = (b: string): string => Buffer.from(b, "base64").toString("utf8");
  const cert = secrets.find((s) => s.name === DEFAULT_SECRET)?.tls_certificate;
  const ca = secrets.find((s) => s.name === ROOTCA_SECRET)?.validation_context;
  return {
    ...(cert ? { certChain: text(cert.certificate_chain.inline_bytes), privateKey: text(cert.private_key.inline_bytes) } : {}),
    ...(ca ? { trustedCa: text(ca.trusted_ca.inline_bytes) } : {}),
  };
}
