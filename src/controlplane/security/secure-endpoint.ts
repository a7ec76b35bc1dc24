// The control plane's secure port (Istio's 15012): the CA (self-signed root kept in the data dir,
// or a plugged-in CA from Istio's cacerts files), the CSR service, and ADS for authenticated
// callers, all on one gRPC server over TLS with the CA's own serving certificate.
import { join } from "node:path";
import {
  AuthenticatorRegistry, BootstrapTokens, CertificateAuthority, loadOrCreateSelfSignedCa, loadPluggedCa, persistTrustBundle, readTrustBundle,
  startCaServer, ROOT_CERT_FILE, type CaServer,
} from "../../ca/index.js";
import { errorMessage } from "../../errors.js";
import { writeFileSync } from "node:fs";
import type { AdsServer } from "../../xds/index.js";
import { addAuthenticatedAds } from "./authenticated-ads.js";
import { RootRotation, type RotationOutcome } from "./root-rotation-steps.js";

/** `kill -USR2 <control plane pid>` takes the next root rotation step. */
export const ROOT_ROTATION_SIGNAL = "SIGUSR2";

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
  /** Take a rotation step on this signal (default SIGUSR2; null: none, e.g. several endpoints in one process). */
  readonly rotationSignal?: NodeJS.Signals | null;
}

export interface SecureEndpoint {
  readonly port: number;
  readonly authority: CertificateAuthority;
  /** The PEM file agents verify this endpoint (and their peers) with. */
  readonly rootCertFile: string;
  /** Takes the next root rotation step (trust a new root, sign with it, retire the old ones). */
  rotateRoot(): Promise<RotationOutcome>;
  close(): Promise<void>;
}

export async function startSecureEndpoint(opts: SecureEndpointOptions): Promise<SecureEndpoint> {
  const signing = opts.caDir !== undefined ? await loadPluggedCa(opts.caDir) : (await loadOrCreateSelfSignedCa({ dataDir: opts.dataDir, trustDomain: opts.trustDomain })).ca;
  const ttl = opts.workloadTtlMs;
  const plugged = opts.caDir !== undefined;
  // A self-signed CA keeps its trust bundle in the data dir, so a restart mid-rotation trusts the same roots.
  const authority = new CertificateAuthority({
    signing, trustDomain: opts.trustDomain, ...(plugged ? {} : { trustBundle: readTrustBundle(opts.dataDir) }), ...(ttl !== undefined ? { defaultTtlMs: ttl } : {}),
  });
  const stopPersisting = plugged ? (): void => undefined : persistTrustBundle(authority, opts.dataDir);
  const rotation = new RootRotation(authority, opts.dataDir, plugged);
  const rotateRoot = async (): Promise<RotationOutcome> => {
    const r = await rotation.advance();
    opts.log(`ca: root rotation step ${r.step}: signing under root ${r.signing}, trusting ${r.trusted.join(", ")}`);
    return r;
  };
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
  const signal = opts.rotationSignal === undefined ? ROOT_ROTATION_SIGNAL : opts.rotationSignal;
  const onSignal = (): void => void rotateRoot().catch((e: unknown) => opts.log(`ca: root rotation step refused: ${errorMessage(e)}`));
  if (signal !== null) process.on(signal, onSignal);
  return {
    port: server.port, authority, rootCertFile, rotateRoot,
    close: async () => {
      if (signal !== null) process.off(signal, onSignal);
      stopPersisting();
      await server.close();
    },
  };
}
