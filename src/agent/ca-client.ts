// Client for istio.v1.auth.IstioCertificateService/CreateCertificate over TLS, verifying the CA's
// server cert against the roots the agent was given (Istio's ROOT_CERT / mounted root).
import * as grpc from "@grpc/grpc-js";
import { MizzenError } from "../errors.js";
import { caService, type CertificateRequest, type CertificateResponse } from "../ca/ca-proto.js";
import { splitCertificates } from "../ca/pem.js";

export interface CaClientOptions {
  /** host:port of the CA (istiod:15012). */
  readonly caAddress: string;
  /** PEM of the root(s) the CA's serving cert must chain to. */
  readonly rootCertPem: string;
  /** TLS server name to verify instead of the address's host (e.g. istiod.istio-system.svc). */
  readonly serverName?: string;
  readonly token: () => string | Promise<string>;
  readonly timeoutMs?: number;
}

type Unary = (req: CertificateRequest, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: CertificateResponse) => void) => void;

export class CaClient {
  private readonly client: grpc.Client;

  constructor(private readonly opts: CaClientOptions) {
    if (splitCertificates(opts.rootCertPem).length === 0) throw new MizzenError("MIZZEN_ERR_AGENT_ROOT", "root certificate PEM holds no certificate");
    const creds = grpc.credentials.createSsl(Buffer.from(opts.rootCertPem));
    const options: grpc.ChannelOptions = opts.serverName ? { "grpc.ssl_target_name_override": opts.serverName, "grpc.default_authority": opts.serverName } : {};
    const Ctor = caService();
    this.client = new Ctor(opts.caAddress, creds, options);
  }

  /** Sends the CSR; resolves to the chain (leaf first, root last). */
  async createCertificate(csrPem: string, ttlSeconds: number): Promise<string[]> {
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${await this.opts.token()}`);
    const call = (this.client as unknown as { CreateCertificate: Unary }).CreateCertificate.bind(this.client);
    const deadline = new Date(Date.now() + (this.opts.timeoutMs ?? 10_000));
    const res = await new Promise<CertificateResponse>((resolve, reject) => {
      call({ csr: csrPem, validity_duration: ttlSeconds }, md, { deadline }, (err, r) => {
        if (err) reject(new MizzenError("MIZZEN_ERR_AGENT_CSR_FAILED", `CreateCertificate at ${this.opts.caAddress} failed: ${grpc.status[err.code] ?? err.code} ${err.details}`, { cause: err }));
        else if (!r || !Array.isArray(r.cert_chain) || r.cert_chain.length === 0) reject(new MizzenError("MIZZEN_ERR_AGENT_CSR_FAILED", "CreateCertificate returned no certificate"));
        else resolve(r);
      });
    });
    return res.cert_chain;
  }

  close(): void {
    this.client.close();
  }
}
