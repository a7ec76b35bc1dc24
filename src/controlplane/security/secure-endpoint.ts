// The control plane's secure port (Istio's 15012): the CA (self-signed root kept in the data dir,
// or a plugged-in CA from Istio's cacerts files), the CSR service, and ADS for authenticated
// callers, all on one gRPC server over TLS with the CA's own serving certificate.
import { join } from "node:path";
import {
  AuthenticatorRegistry, BootstrapTokens, CertificateAuthority, loadOrCreateSelfSignedCa, loadPluggedCa, startCaServer, ROOT_CERT_FILE, type CaServer,
} from "../../ca/index.js";
import { writeFileSync } from "node:fs";
import type { AdsServer } from "../../xds/index.js";
import { addAuthenticatedAds } from "./authenticated-ads.js";

export interface SecureEndpointOptions {
  /** Root key, bootstrap-token key and root-cert.pem live here. */
  readonly dataDir: string;
  /** Plugged-in CA (ca-cert.pem, ca-key.pem, root-cert.pem, optional cert-chain.pem). */
  readonly caDir?: string | undefined;
  readonly trustDomain: string;
  readonly host: string;
  /** 15012; 0 picks a free port. */
  readonly port: number;
  /** Workload certificate TTL (Istio: 24 h). */
  readonly workloadTtlMs?: number | undefined;
  readonly ads: AdsServer;
  readonly log: (message: string) => void;
}

export interface SecureEndpoint {
  readonly port: number;
  readonly authority: CertificateAuthority;
  /** The PEM file agents verify this endpoint (and their peers) with. */
  readonly rootCertFile: string;
  close(): Promise<void>;
}

export async function startSecureEndpoint(opts: SecureEndpointOptions): Promise<SecureEndpoint> {
  const signing = opts.caDir !== undefined ? await loadPluggedCa(opts.caDir) : (await loadOrCreateSelfSignedCa({ dataDir: opts.dataDir, trustDomain: opts.trustDomain })).ca;
  const ttl = opts.workloadTtlMs;
  const authority = new CertificateAuthority({ signing, trustDomain: opts.trustDomain, ...(ttl !== undefined ? { defaultTtlMs: ttl } : {}) });
  // With a plugged-in CA the data dir's root-cert.pem is the one agents must trust: keep it current.
  const rootCertFile = join(opts.dataDir, ROOT_CERT_FILE);
  if (opts.caDir !== undefined) writeFileSync(rootCertFile, authority.trustBundle().join(""), { mode: 0o644 });
  const authenticators = new AuthenticatorRegistry().register(BootstrapTokens.open(opts.dataDir));
  const server: CaServer = await startCaServer({
    authority, authenticators, host: opts.host, port: opts.port,
    onEvent: (e) => {
      if (e.ok) opts.log(`ca: issued a certificate for ${e.identity ?? "?"} to ${e.peer}`);
      else opts.log(`ca: refused ${e.peer}: ${e.code ?? ""} ${e.message ?? ""}`);
    },
    register: (grpcServer) => addAuthenticatedAds(grpcServer, opts.ads, authenticators, (e) => {
      if (!e.ok) opts.log(`xds: refused unauthenticated ADS stream from ${e.peer} (${e.code ?? ""})`);
    }),
  });
  return { port: server.port, authority, rootCertFile, close: () => server.close() };
}
