// The agent's identity half: key + CSR, CreateCertificate over TLS, rotation at half-life, and the
// result as Envoy SDS secrets `default` and `ROOTCA` with a subscription for the proxy's SecretStore.
import { readFileSync } from "node:fs";
import { MizzenError, errorMessage } from "../errors.js";
import { splitCertificates, uniqueCertificates } from "../ca/pem.js";
import { CaClient } from "./ca-client.js";
import { CertRotator, type IssuedCert } from "./cert-rotator.js";
import { systemClock, type AgentClock } from "./clock.js";
import { certificateSecret, rootSecret, type EnvoySecretJson } from "./envoy-secrets.js";
import { issuingRoot, sameRoots, splitChainAndRoots } from "./trust-bundle.js";
import { makeKeyAndCsr } from "./workload-key.js";

export interface IdentityAgentOptions {
  /** host:port of the CA (istiod:15012). */
  readonly caAddress: string;
  /** PEM of the trusted root(s), or a path to a PEM file (Istio's ROOT_CERT / mounted root). */
  readonly rootCertPem: string;
  /** Bearer token (bootstrap or service-account), or a function read at every request. */
  readonly token: string | (() => string | Promise<string>);
  readonly serverName?: string;
  /** Requested TTL in seconds; 0 lets the CA choose (24 h by default). */
  readonly ttlSeconds?: number;
  readonly trustDomain?: string;
  /** This workload's SPIFFE ID if known; put in the CSR, the CA checks it. */
  readonly spiffeId?: string;
  readonly graceRatio?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly clock?: AgentClock;
  /** Wait for the first certificate before resolving (default true), at most this long. */
  readonly firstCertTimeoutMs?: number;
  readonly waitForFirstCert?: boolean;
  readonly onError?: (e: unknown, attempt: number, retryInMs: number) => void;
}

export interface IdentityAgent {
  /** The current `default` and `ROOTCA` secrets (empty before the first certificate). */
  secrets(): EnvoySecretJson[];
  /** Called with both secrets after every change; returns an unsubscribe function. */
  onSecrets(cb: (secrets: EnvoySecretJson[]) => void): () => void;
  /** The current certificate, for diagnostics. */
  certificate(): IssuedCert | undefined;
  /** Replaces the configured trust bundle (root rotation) and re-publishes ROOTCA. */
  setTrustBundle(rootPems: string): void;
  /** The roots trusted now (ROOTCA): the CA's bundle from its last answer, else the configured one. */
  trustBundle(): string[];
  /** The root the current certificate was issued under, if it is in the bundle. */
  certificateRoot(): string | undefined;
  /** Fetch a new certificate now. */
  refreshNow(): void;
  readonly rotator: CertRotator;
  close(): void;
}

function readRoots(rootCertPem: string): string {
  if (rootCertPem.includes("-----BEGIN")) return rootCertPem;
  try {
    return readFileSync(rootCertPem, "utf8");
  } catch (e) {
    throw new MizzenError("MIZZEN_ERR_AGENT_ROOT", `cannot read root certificate ${rootCertPem}: ${(e as NodeJS.ErrnoException).code ?? "error"}`, { cause: e });
  }
}

export async function startIdentityAgent(opts: IdentityAgentOptions): Promise<IdentityAgent> {
  let bundle = readRoots(opts.rootCertPem);
  if (splitCertificates(bundle).length === 0) throw new MizzenError("MIZZEN_ERR_AGENT_ROOT", "root certificate PEM holds no certificate");
  const fixedToken = opts.token;
  const token = typeof fixedToken === "string" ? (): string => fixedToken : fixedToken;
  const newClient = (): CaClient =>
    new CaClient({ caAddress: opts.caAddress, rootCertPem: bundle, token, ...(opts.serverName ? { serverName: opts.serverName } : {}) });
  let client = newClient();
  const subscribers = new Set<(s: EnvoySecretJson[]) => void>();
  let current: EnvoySecretJson[] = [];

  /** A CA answer that lists roots replaces the bundle (a new root is trusted, a retired one dropped). */
  const adoptRoots = (roots: readonly string[]): void => {
    if (roots.length === 0 || sameRoots(roots, splitCertificates(bundle))) return;
    bundle = roots.join("");
    client.close();
    client = newClient();
  };

  const publish = (): void => {
    const cert = rotator.cert();
    if (!cert) return;
    const { chain, roots: answered } = splitChainAndRoots(cert.chainPems);
    // The bundle (the CA's latest answer, or setTrustBundle), plus the root of our own cert.
    const own = issuingRoot(chain, answered);
    const roots = uniqueCertificates([...splitCertificates(bundle), ...(own !== undefined ? [own] : [])]);
    current = [certificateSecret(chain, cert.keyPem), rootSecret(roots)];
    for (const cb of subscribers) {
      try {
        cb(current);
      } catch (e) {
        process.emitWarning(`identity agent subscriber threw: ${errorMessage(e)}`);
      }
    }
  };

  let firstResolve: (() => void) | undefined;
  const first = new Promise<void>((r) => (firstResolve = r));
  const rotator = new CertRotator({
    clock: opts.clock ?? systemClock,
    fetch: async () => {
      const { keyPem, csrPem } = await makeKeyAndCsr({
        ...(opts.trustDomain ? { trustDomain: opts.trustDomain } : {}),
        ...(opts.spiffeId ? { spiffeId: opts.spiffeId } : {}),
      });
      return { keyPem, chainPems: await client.createCertificate(csrPem, opts.ttlSeconds ?? 0) };
    },
    ...(opts.graceRatio !== undefined ? { graceRatio: opts.graceRatio } : {}),
    ...(opts.initialBackoffMs !== undefined ? { initialBackoffMs: opts.initialBackoffMs } : {}),
    ...(opts.maxBackoffMs !== undefined ? { maxBackoffMs: opts.maxBackoffMs } : {}),
    onCert: (cert) => {
      adoptRoots(splitChainAndRoots(cert.chainPems).roots);
      publish();
      firstResolve?.();
    },
    ...(opts.onError ? { onError: opts.onError } : {}),
  });

  const agent: IdentityAgent = {
    secrets: () => current,
    onSecrets(cb) {
      subscribers.add(cb);
      return () => subscribers.delete(cb);
    },
    certificate: () => rotator.cert(),
    trustBundle: () => splitCertificates(bundle),
    certificateRoot() {
      const cert = rotator.cert();
      return cert ? issuingRoot(splitChainAndRoots(cert.chainPems).chain, splitCertificates(bundle)) : undefined;
    },
    setTrustBundle(rootPems) {
      if (splitCertificates(rootPems).length === 0) throw new MizzenError("MIZZEN_ERR_AGENT_ROOT", "trust bundle holds no certificate");
      bundle = rootPems;
      client.close();
      client = newClient();
      publish();
    },
    refreshNow: () => rotator.refreshNow(),
    rotator,
    close() {
      rotator.close();
      client.close();
      subscribers.clear();
    },
  };
  rotator.start();
  if (opts.waitForFirstCert === false) return agent;
  const limit = opts.firstCertTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), limit)));
  const outcome = await Promise.race([first.then(() => "ok" as const), timedOut]);
  clearTimeout(timer);
  if (outcome === "timeout") {
    agent.close();
    throw new MizzenError("MIZZEN_ERR_AGENT_FIRST_CERT_TIMEOUT", `no certificate from ${opts.caAddress} within ${limit} ms`);
  }
  return agent;
}
