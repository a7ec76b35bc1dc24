// The CA's CreateCertificate answer ends with every root it trusts (istiod appends its root bundle):
// the self-signed certificates of a chain are the trust bundle, the others are the workload's chain.
import { X509Certificate } from "node:crypto";
import { fingerprint, splitCertificates, uniqueCertificates } from "../ca/pem.js";

export { rootTag } from "../ca/pem.js";

export interface SplitChain {
  /** Leaf first, then intermediates (what the workload presents). */
  readonly chain: string[];
  /** Every self-signed root in the answer, in order (what the workload trusts). */
  readonly roots: string[];
}

function isSelfSigned(pem: string): boolean {
  const c = new X509Certificate(pem);
  return c.ca && c.issuer === c.subject && c.verify(c.publicKey);
}

export function splitChainAndRoots(chainPems: readonly string[]): SplitChain {
  const pems = uniqueCertificates(chainPems.flatMap((p) => splitCertificates(p)));
  const chain: string[] = [];
  const roots: string[] = [];
  pems.forEach((p, i) => (i > 0 && isSelfSigned(p) ? roots : chain).push(p));
  return { chain, roots };
}

/** Same set of roots, whatever the order. */
export function sameRoots(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const fa = new Set(a.map(fingerprint));
  return b.every((p) => fa.has(fingerprint(p)));
}


/** The root in `roots` that signed the top of `chain` (undefined when none did). */
export function issuingRoot(chain: readonly string[], roots: readonly string[]): string | undefined {
  const top = chain[chain.length - 1];
  if (top === undefined) return undefined;
  const c = new X509Certificate(top);
  return roots.find((r) => {
    const root = new X509Certificate(r);
    return c.issuer === root.subject && c.verify(root.publicKey);
  });
}
