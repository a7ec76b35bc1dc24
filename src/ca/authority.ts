// The certificate authority: signs workload certs with the active signing CA, serves the trust
// bundle, and rotates roots with an overlap (new root trusted first, then used, then old retired).
import { MizzenError } from "../errors.js";
import { generateKeyPair, privateKeyToPem } from "./keys.js";
import { fingerprint, uniqueCertificates } from "./pem.js";
import type { SigningCa } from "./signing-ca.js";
import { spiffeId, type WorkloadIdentity } from "./spiffe.js";
import { signLeaf, signServerCert } from "./workload-cert.js";

export const DEFAULT_WORKLOAD_TTL_MS = 24 * 3600 * 1000;
/** Istio's --max-workload-cert-ttl default: 90 days. */
export const DEFAULT_MAX_WORKLOAD_TTL_MS = 90 * 24 * 3600 * 1000;

export interface AuthorityOptions {
  readonly trustDomain?: string;
  readonly signing: SigningCa;
  /** Roots trusted besides the signing root (a rotation in progress, kept across restarts). */
  readonly trustBundle?: readonly string[];
  readonly defaultTtlMs?: number;
  readonly maxTtlMs?: number;
  readonly now?: () => number;
}

export interface IssuedServerCert {
  readonly certChainPem: string;
  readonly keyPem: string;
}

export class CertificateAuthority {
  readonly trustDomain: string;
  readonly defaultTtlMs: number;
  readonly maxTtlMs: number;
  private signing: SigningCa;
  private trusted: string[];
  private readonly now: () => number;
  private readonly listeners = new Set<(roots: readonly string[]) => void>();

  constructor(opts: AuthorityOptions) {
    this.trustDomain = opts.trustDomain ?? "cluster.local";
    this.defaultTtlMs = opts.defaultTtlMs ?? DEFAULT_WORKLOAD_TTL_MS;
    this.maxTtlMs = opts.maxTtlMs ?? DEFAULT_MAX_WORKLOAD_TTL_MS;
    if (this.defaultTtlMs > this.maxTtlMs) {
      throw new MizzenError("MIZZEN_ERR_CA_TTL_CONFIG", `default workload TTL ${this.defaultTtlMs} ms exceeds the max ${this.maxTtlMs} ms`);
    }
    this.signing = opts.signing;
    this.trusted = uniqueCertificates([...(opts.trustBundle ?? []), opts.signing.rootPem]);
    this.now = opts.now ?? Date.now;
  }

  /** The roots workloads must trust (ROOTCA): during a rotation, old and new. */
  trustBundle(): readonly string[] {
    return this.trusted;
  }

  /** The root the CA signs under now. */
  activeRoot(): string {
    return this.signing.rootPem;
  }

  onTrustBundle(cb: (roots: readonly string[]) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Rotation step 1: trust `root` too; signing continues under the current root. */
  addTrustedRoot(rootPem: string): void {
    this.setTrusted(uniqueCertificates([...this.trusted, rootPem]));
  }

  /** Rotation step 2: sign with `next` (its root is trusted too, if it was not already). */
  useSigningCa(next: SigningCa): void {
    this.signing = next;
    this.addTrustedRoot(next.rootPem);
  }

  /** Rotation step 3: stop trusting `root` (refused for the active root). */
  retireRoot(rootPem: string): void {
    const drop = fingerprint(rootPem);
    if (fingerprint(this.signing.rootPem) === drop) {
      throw new MizzenError("MIZZEN_ERR_CA_ROOT_ACTIVE", "cannot retire the root the CA is signing under");
    }
    this.setTrusted(this.trusted.filter((r) => fingerprint(r) !== drop));
  }

  /** Resolves the TTL a caller asked for (seconds, 0 = default), refusing more than the max as Istio does. */
  resolveTtlMs(requestedSeconds: number): number {
    if (!Number.isFinite(requestedSeconds) || requestedSeconds <= 0) return this.defaultTtlMs;
    const ms = requestedSeconds * 1000;
    if (ms > this.maxTtlMs) {
      throw new MizzenError("MIZZEN_ERR_CA_TTL_TOO_LONG", `requested TTL ${requestedSeconds}s is greater than the max allowed TTL ${this.maxTtlMs / 1000}s`);
    }
    return ms;
  }

  /** Signs `csrPem` for `identity`; returns the chain leaf first, root last. */
  async signWorkload(csrPem: string, identity: WorkloadIdentity, requestedTtlSeconds = 0): Promise<string[]> {
    if (identity.trustDomain !== this.trustDomain) {
      throw new MizzenError("MIZZEN_ERR_CA_TRUST_DOMAIN", `identity trust domain ${identity.trustDomain} is not ${this.trustDomain}`);
    }
    const ttlMs = this.resolveTtlMs(requestedTtlSeconds);
    const ca = this.signing;
    const leaf = await signLeaf(ca, { csrPem, spiffeId: spiffeId(identity), ttlMs, now: this.now() });
    return [leaf, ...ca.chainPems];
  }

  /** A key and cert for the CA's own TLS endpoint, issued under the active root. */
  async issueServerCert(dnsNames: readonly string[], ips: readonly string[], ttlMs = 365 * 24 * 3600 * 1000): Promise<IssuedServerCert> {
    const keys = await generateKeyPair("ecdsa-p256");
    const ca = this.signing;
    const leaf = await signServerCert(ca, { dnsNames, ips, ttlMs, now: this.now(), publicKey: keys.publicKey });
    const intermediates = ca.chainPems.slice(0, -1);
    return { certChainPem: [leaf, ...intermediates].join(""), keyPem: await privateKeyToPem(keys.privateKey) };
  }

  private setTrusted(next: string[]): void {
    this.trusted = next;
    for (const cb of this.listeners) cb(next);
  }
}
