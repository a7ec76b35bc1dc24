// Keeps one workload certificate fresh: fetch now, then again at the grace point (Istio's
// SECRET_GRACE_PERIOD_RATIO 0.5, i.e. half-life), retrying failures with capped exponential back-off.
import { X509Certificate } from "node:crypto";
import { MizzenError, errorMessage } from "../errors.js";
import { splitCertificates, uniqueCertificates } from "../ca/pem.js";
import type { AgentClock } from "./clock.js";

export interface IssuedCert {
  /** Leaf first, root last, as the CA returned it. */
  readonly chainPems: readonly string[];
  readonly keyPem: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly serialNumber: string;
  /** The leaf's URI SAN (its SPIFFE ID). */
  readonly spiffeId: string | undefined;
}

export interface RotatorOptions {
  readonly clock: AgentClock;
  /** Makes a key and CSR, sends it, returns the key and the chain. */
  readonly fetch: () => Promise<{ keyPem: string; chainPems: string[] }>;
  readonly graceRatio?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly onCert: (c: IssuedCert) => void;
  readonly onError?: (e: unknown, attempt: number, retryInMs: number) => void;
}

export function describeChain(chainPems: readonly string[], keyPem: string): IssuedCert {
  const pems = chainPems.flatMap((p) => splitCertificates(p));
  const leafPem = pems[0];
  if (leafPem === undefined) throw new MizzenError("MIZZEN_ERR_AGENT_CSR_FAILED", "the CA returned an empty chain");
  const leaf = new X509Certificate(leafPem);
  const uri = /URI:([^,\s]+)/.exec(leaf.subjectAltName ?? "")?.[1];
  return {
    chainPems: uniqueCertificates(pems),
    keyPem,
    notBefore: Date.parse(leaf.validFrom),
    notAfter: Date.parse(leaf.validTo),
    serialNumber: leaf.serialNumber,
    spiffeId: uri,
  };
}

/** When a cert with these bounds should be replaced. */
export function rotationTime(notBefore: number, notAfter: number, graceRatio = 0.5): number {
  return notBefore + (notAfter - notBefore) * (1 - graceRatio);
}

export class CertRotator {
  private timer: unknown;
  private closed = false;
  private failures = 0;
  private current: IssuedCert | undefined;
  /** When the next fetch is due (ms epoch on the agent's clock), for diagnostics and tests. */
  nextFetchAt: number | undefined;
  fetches = 0;

  constructor(private readonly opts: RotatorOptions) {}

  /** Fetches the first certificate now (not through the clock, so a fake clock need not tick). */
  start(): void {
    if (this.closed) return;
    this.nextFetchAt = this.opts.clock.now();
    void this.run();
  }

  cert(): IssuedCert | undefined {
    return this.current;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Fetch now (e.g. after the trust bundle changed), replacing any pending schedule. */
  refreshNow(): void {
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.nextFetchAt = this.opts.clock.now() + delayMs;
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, delayMs);
  }

  private async run(): Promise<void> {
    this.fetches++;
    try {
      const got = await this.opts.fetch();
      if (this.closed) return;
      const cert = describeChain(got.chainPems, got.keyPem);
      this.failures = 0;
      this.current = cert;
      this.schedule(Math.max(0, rotationTime(cert.notBefore, cert.notAfter, this.opts.graceRatio) - this.opts.clock.now()));
      try {
        this.opts.onCert(cert);
      } catch (cbErr) {
        process.emitWarning(`identity agent certificate callback threw: ${errorMessage(cbErr)}`);
      }
    } catch (e) {
      if (this.closed) return;
      this.failures++;
      const base = this.opts.initialBackoffMs ?? 1000;
      const delay = Math.min(this.opts.maxBackoffMs ?? 30_000, base * 2 ** Math.min(this.failures - 1, 20));
      this.schedule(delay);
      try {
        this.opts.onError?.(e, this.failures, delay);
      } catch (cbErr) {
        process.emitWarning(`identity agent error callback threw: ${errorMessage(cbErr)}`);
      }
    }
  }
}
