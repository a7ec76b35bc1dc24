// istio.v1.auth.IstioCertificateService/CreateCertificate over gRPC + TLS (15012 in production).
// The caller is authenticated from its metadata; its identity, never the CSR's, goes in the cert.
import { isIP } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { MizzenError, errorMessage, isMizzenError } from "../errors.js";
import type { CertificateAuthority } from "./authority.js";
import type { AuthenticatorRegistry } from "./authn/registry.js";
import type { Caller } from "./authn/types.js";
import { uniqueCertificates } from "./pem.js";
import { caService, type CertificateRequest, type CertificateResponse } from "./ca-proto.js";
import { RotatingServerCredentials } from "./serving-credentials.js";

export const CA_SERVER_DNS_NAMES = ["istiod.istio-system.svc", "localhost"] as const;

export interface CaServerOptions {
  readonly authority: CertificateAuthority;
  readonly authenticators: AuthenticatorRegistry;
  readonly host?: string;
  /** 15012 in production; 0 picks a free port. */
  readonly port?: number;
  readonly extraDnsNames?: readonly string[];
  /** Called once per call outcome, for logs and metrics; never given tokens or keys. */
  readonly onEvent?: (e: CaCallEvent) => void;
  /** Adds more services to the same TLS server before it binds (the control plane's ADS on 15012). */
  readonly register?: (server: grpc.Server) => void;
}

export interface CaCallEvent {
  readonly ok: boolean;
  readonly peer: string;
  readonly identity?: string;
  readonly code?: string;
  readonly message?: string;
}

export interface CaServer {
  readonly port: number;
  readonly address: string;
  /** The server's current certificate chain (leaf, intermediates), for tests and diagnostics. */
  readonly serverCertPem: string;
  /** Settles once the serving cert matches the CA's active root (after a root switch). */
  servingCertSettled(): Promise<void>;
  close(): Promise<void>;
}

function grpcStatusFor(e: unknown): grpc.status {
  if (!isMizzenError(e)) return grpc.status.INTERNAL;
  if (e.code.startsWith("MIZZEN_ERR_AUTHN_")) return grpc.status.UNAUTHENTICATED;
  if (e.code === "MIZZEN_ERR_CA_CSR_IDENTITY" || e.code === "MIZZEN_ERR_CA_TRUST_DOMAIN") return grpc.status.PERMISSION_DENIED;
  if (e.code.startsWith("MIZZEN_ERR_CA_CSR_") || e.code === "MIZZEN_ERR_CA_TTL_TOO_LONG" || e.code === "MIZZEN_ERR_SPIFFE_INVALID") return grpc.status.INVALID_ARGUMENT;
  return grpc.status.INTERNAL;
}

function metadataMap(md: grpc.Metadata): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of Object.entries(md.getMap())) out.set(k.toLowerCase(), [typeof v === "string" ? v : v.toString("utf8")]);
  const auth = md.get("authorization").map((v) => (typeof v === "string" ? v : v.toString("utf8")));
  if (auth.length > 0) out.set("authorization", auth);
  return out;
}

export async function startCaServer(opts: CaServerOptions): Promise<CaServer> {
  const host = opts.host ?? "127.0.0.1";
  // The bind address goes in the serving cert as an IP SAN, unless it is a wildcard.
  const ips = isIP(host) !== 0 && host !== "0.0.0.0" && host !== "::" ? [host] : [];
  const dnsNames = [...CA_SERVER_DNS_NAMES, ...(opts.extraDnsNames ?? [])];
  let serving = await opts.authority.issueServerCert(dnsNames, ips);
  let servingRoot = opts.authority.activeRoot();
  const server = new grpc.Server();
  const handler = (call: grpc.ServerUnaryCall<CertificateRequest, CertificateResponse>, cb: grpc.sendUnaryData<CertificateResponse>): void => {
    const peer = call.getPeer();
    let caller: Caller | undefined;
    const run = async (): Promise<CertificateResponse> => {
      caller = await opts.authenticators.authenticate({ metadata: metadataMap(call.metadata), peer });
      const identity = { trustDomain: opts.authority.trustDomain, namespace: caller.namespace, serviceAccount: caller.serviceAccount };
      const req = call.request;
      const chain = await opts.authority.signWorkload(typeof req.csr === "string" ? req.csr : "", identity, Number(req.validity_duration ?? 0));
      // As istiod does, the answer carries every trusted root so agents follow a root rotation; the
      // issuing root stays last, where clients that read one root look for it.
      const issuing = chain.slice(-1);
      return { cert_chain: uniqueCertificates([...chain.slice(0, -1), ...opts.authority.trustBundle(), ...issuing].reverse()).reverse() };
    };
    run().then(
      (res) => {
        opts.onEvent?.({ ok: true, peer, ...(caller ? { identity: `${caller.namespace}/${caller.serviceAccount}` } : {}) });
        cb(null, res);
      },
      (e: unknown) => {
        const code = isMizzenError(e) ? e.code : "MIZZEN_ERR_CA_INTERNAL";
        opts.onEvent?.({ ok: false, peer, code, message: errorMessage(e) });
        cb({ code: grpcStatusFor(e), details: `${code}: ${errorMessage(e)}` });
      },
    );
  };
  server.addService(caService().service, { CreateCertificate: handler });
  opts.register?.(server);
  const creds = new RotatingServerCredentials(serving);
  // When the CA switches to a new root, re-issue the serving cert under it, so agents that
  // trust only the new root (after the old one is retired) can still reach the CA.
  let reissue: Promise<void> = Promise.resolve();
  const stopWatching = opts.authority.onTrustBundle(() => {
    if (opts.authority.activeRoot() === servingRoot) return;
    servingRoot = opts.authority.activeRoot();
    reissue = reissue.then(async () => {
      serving = await opts.authority.issueServerCert(dnsNames, ips);
      creds.update(serving);
    }).catch((e: unknown) => opts.onEvent?.({ ok: false, peer: "", code: "MIZZEN_ERR_CA_SERVING_CERT", message: errorMessage(e) }));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host.includes(":") ? `[${host}]` : host}:${opts.port ?? 15012}`, creds, (err, p) => {
      if (err) reject(new MizzenError("MIZZEN_ERR_CA_LISTEN", `CA server cannot listen on ${host}:${opts.port ?? 15012}: ${err.message}`, { cause: err }));
      else resolve(p);
    });
  });
  return {
    port,
    address: `${host}:${port}`,
    get serverCertPem() {
      return serving.certChainPem;
    },
    servingCertSettled: () => reissue,
    close: () =>
      new Promise<void>((resolve) => {
        stopWatching();
        const timer = setTimeout(() => server.forceShutdown(), 2000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
