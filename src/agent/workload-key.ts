// The workload's key (ECDSA P-256, made here and never sent) and its CSR.
import { generateKeyPair, privateKeyToPem } from "../ca/keys.js";
import { x509 } from "../ca/x509.js";

export interface KeyAndCsr {
  readonly keyPem: string;
  readonly csrPem: string;
}

/** `spiffeId`, when known, goes in the CSR's URI SAN (the CA checks it is the caller's own). */
export async function makeKeyAndCsr(opts: { trustDomain?: string; spiffeId?: string } = {}): Promise<KeyAndCsr> {
  const keys = await generateKeyPair("ecdsa-p256");
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ O: [opts.trustDomain ?? "cluster.local"] }],
    keys,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: opts.spiffeId ? [new x509.SubjectAlternativeNameExtension([{ type: "url", value: opts.spiffeId }], true)] : [],
  });
  return { keyPem: await privateKeyToPem(keys.privateKey), csrPem: `${csr.toString("pem")}\n` };
}
