// A plugged-in CA from files in Istio's layout (ca-cert.pem, ca-key.pem, root-cert.pem,
// cert-chain.pem). Every problem found is reported, one detail line each, in one error.
import { createPrivateKey, type X509Certificate } from "node:crypto";
import { join } from "node:path";
import { MizzenError } from "../errors.js";
import { existsSync, readCaFile } from "./files.js";
import { importPrivateKeyPem } from "./keys.js";
import { parseCertificate, splitCertificates } from "./pem.js";
import type { SigningCa } from "./signing-ca.js";
import { x509 } from "./x509.js";

export const PLUGGED_FILES = { caCert: "ca-cert.pem", caKey: "ca-key.pem", root: "root-cert.pem", chain: "cert-chain.pem" } as const;

function describe(c: X509Certificate): string {
  return `"${c.subject.replace(/\n/g, ", ")}"`;
}

/** Checks that `chain` (signing cert first) links cert by cert to `root`; returns problems. */
export function checkChain(chain: readonly X509Certificate[], root: X509Certificate, now: number): string[] {
  const problems: string[] = [];
  const all = [...chain];
  if (!all.some((c) => c.raw.equals(root.raw))) all.push(root);
  for (const [i, c] of all.entries()) {
    if (Date.parse(c.validTo) <= now) problems.push(`certificate ${describe(c)} expired at ${c.validTo}`);
    if (Date.parse(c.validFrom) > now) problems.push(`certificate ${describe(c)} is not valid before ${c.validFrom}`);
    if (i > 0 && !c.ca) problems.push(`certificate ${describe(c)} in the chain is not a CA (basicConstraints cA is false)`);
    const issuer = all[i + 1] ?? c;
    if (!c.checkIssued(issuer) || !c.verify(issuer.publicKey)) {
      problems.push(i + 1 < all.length
        ? `certificate ${describe(c)} is not signed by the next certificate ${describe(issuer)}`
        : `the chain does not end at root-cert.pem: ${describe(c)} is not self-signed`);
    }
  }
  return problems;
}

export async function loadPluggedCa(dir: string, now = Date.now()): Promise<SigningCa> {
  const path = (f: string): string => join(dir, f);
  const missing = [PLUGGED_FILES.caCert, PLUGGED_FILES.caKey, PLUGGED_FILES.root].filter((f) => !existsSync(path(f)));
  if (missing.length > 0) {
    throw new MizzenError("MIZZEN_ERR_CA_PLUGGED_INVALID", `plugged-in CA in ${dir}: missing ${missing.join(", ")}`, { details: missing.map((f) => `${path(f)}: missing`) });
  }
  const caCertPem = readCaFile(path(PLUGGED_FILES.caCert));
  const keyPem = readCaFile(path(PLUGGED_FILES.caKey));
  const rootPems = splitCertificates(readCaFile(path(PLUGGED_FILES.root)));
  const problems: string[] = [];
  const caCert = parseCertificate(caCertPem, path(PLUGGED_FILES.caCert));
  if (rootPems.length === 0) throw new MizzenError("MIZZEN_ERR_CA_PLUGGED_INVALID", `${path(PLUGGED_FILES.root)}: holds no certificate`);
  const rootPem = rootPems[0] as string;
  const root = parseCertificate(rootPem, path(PLUGGED_FILES.root));
  // cert-chain.pem starts at ca-cert.pem (Istio builds it as ca-cert + intermediates + root).
  let chainPems = existsSync(path(PLUGGED_FILES.chain)) ? splitCertificates(readCaFile(path(PLUGGED_FILES.chain))) : [];
  const chain = chainPems.map((p, i) => parseCertificate(p, `${path(PLUGGED_FILES.chain)} [${i}]`));
  if (chain.length === 0 || !chain[0]?.raw.equals(caCert.raw)) {
    chain.unshift(caCert);
    chainPems = [caCertPem, ...chainPems];
  }
  if (!caCert.ca) problems.push(`${PLUGGED_FILES.caCert}: ${describe(caCert)} is not a CA certificate (basicConstraints cA is false)`);
  try {
    if (!caCert.checkPrivateKey(createPrivateKey(keyPem))) problems.push(`${PLUGGED_FILES.caKey}: does not match the public key of ${PLUGGED_FILES.caCert}`);
  } catch {
    problems.push(`${PLUGGED_FILES.caKey}: not a readable PEM private key`);
  }
  if (!root.checkIssued(root) || !root.verify(root.publicKey)) problems.push(`${PLUGGED_FILES.root}: ${describe(root)} is not a self-signed root`);
  problems.push(...checkChain(chain, root, now).map((p) => `${PLUGGED_FILES.chain}: ${p}`));
  if (problems.length > 0) {
    throw new MizzenError("MIZZEN_ERR_CA_PLUGGED_INVALID", `plugged-in CA in ${dir} is not usable: ${problems.join("; ")}`, { details: problems });
  }
  const key = await importPrivateKeyPem(keyPem, path(PLUGGED_FILES.caKey));
  const full = chainPems.some((p) => new x509.X509Certificate(p).equal(new x509.X509Certificate(rootPem))) ? chainPems : [...chainPems, rootPem];
  return {
    certPem: caCertPem,
    cert: new x509.X509Certificate(caCertPem),
    privateKey: key.privateKey,
    algorithm: key.algorithm,
    chainPems: full.map((p) => `${p.trim()}\n`),
    rootPem,
  };
}
