// The identity agent inside the proxy process: key + CSR to the control plane's CA with the pod's
// token, the `default` and `ROOTCA` secrets into the proxy's SecretStore (the names generated TLS
// contexts reference over SDS), renewed at half-life. New handshakes use the new certificate; open
// connections keep theirs. The token also authenticates the ADS stream on the secure port.
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { startIdentityAgent, type IdentityAgent } from "../../../agent/index.js";
import { rootTag } from "../../../agent/trust-bundle.js";
import { MizzenError, errorMessage } from "../../../errors.js";
import type { SecretStore } from "../../tls/secret-store.js";
import { logger } from "../logger.js";
import { TrustBundleProvider, trustBundleChannelCredentials } from "./trust-bundle-credentials.js";

export interface ProxyIdentityOptions {
  readonly caAddress: string;
  readonly rootCert: string;
  readonly tokenFile: string;
  readonly certTtlS?: number | undefined;
  readonly firstCertTimeoutMs?: number;
}

export interface ProxyIdentity {
  readonly agent: IdentityAgent;
  /** `authorization: Bearer <token>` on every ADS call (read from the token file each time). */
  readonly adsCallCredentials: grpc.CallCredentials;
  /**
   * TLS credentials for the control plane's secure port that trust the agent's current bundle at
   * every reconnect (root rotation), combined with `adsCallCredentials`.
   */
  adsChannelCredentials(verify?: grpc.VerifyOptions): grpc.ChannelCredentials;
  close(): void;
}

function readToken(file: string): string {
  try {
    const t = readFileSync(file, "utf8").trim();
    if (t === "") throw new MizzenError("MIZZEN_ERR_AGENT_TOKEN", `token file ${file} is empty`);
    return t;
  } catch (e) {
    if (e instanceof MizzenError) throw e;
    throw new MizzenError("MIZZEN_ERR_AGENT_TOKEN", `cannot read token file ${file}: ${(e as NodeJS.ErrnoException).code ?? "error"}`, { cause: e });
  }
}

/** Starts the agent and resolves once the first certificate is in the store. */
export async function startProxyIdentity(secrets: SecretStore, opts: ProxyIdentityOptions): Promise<ProxyIdentity> {
  let generation = 0;
  const publish = (list: readonly unknown[]): void => {
    generation++;
    for (const s of list) {
      try {
        secrets.set(s, `agent-${generation}`);
      } catch (e) {
        logger.error(`identity: secret rejected: ${errorMessage(e)}`); // the previous one keeps serving
      }
    }
  };
  const agent = await startIdentityAgent({
    caAddress: opts.caAddress,
    rootCertPem: opts.rootCert,
    token: () => readToken(opts.tokenFile),
    ...(opts.certTtlS !== undefined ? { ttlSeconds: opts.certTtlS } : {}),
    ...(opts.firstCertTimeoutMs !== undefined ? { firstCertTimeoutMs: opts.firstCertTimeoutMs } : {}),
    onError: (e, attempt, retryInMs) => logger.warn(`identity: certificate request ${attempt} failed: ${errorMessage(e)}; retrying in ${retryInMs} ms`),
  });
  publish(agent.secrets());
  // Root rotation shows in the log: the bundle's roots when it changes, the issuing root per cert.
  const bundleTags = (): string => agent.trustBundle().map(rootTag).join(", ");
  const issuedUnder = (): string => {
    const r = agent.certificateRoot();
    return r ? rootTag(r) : "?";
  };
  let lastBundle = bundleTags();
  const trustBundle = new TrustBundleProvider(agent.trustBundle());
  const off = agent.onSecrets((list) => {
    publish(list);
    trustBundle.update(agent.trustBundle());
    const c = agent.certificate();
    const bundle = bundleTags();
    if (bundle !== lastBundle) {
      lastBundle = bundle;
      logger.info(`identity: trust bundle now ${agent.trustBundle().length} root(s): ${bundle}`);
    }
    logger.info(`identity: certificate for ${c?.spiffeId ?? "?"} renewed under root ${issuedUnder()}, valid until ${c ? new Date(c.notAfter).toISOString() : "?"}`);
  });
  const first = agent.certificate();
  logger.info(`identity: ${first?.spiffeId ?? "?"} from ${opts.caAddress} under root ${issuedUnder()}, valid until ${first ? new Date(first.notAfter).toISOString() : "?"}; trust bundle: ${lastBundle}`);
  const adsCallCredentials = grpc.credentials.createFromMetadataGenerator((_params, cb) => {
    try {
      const md = new grpc.Metadata();
      md.set("authorization", `Bearer ${readToken(opts.tokenFile)}`);
      cb(null, md);
    } catch (e) {
      cb(e instanceof Error ? e : new Error(errorMessage(e)));
    }
  });
  return {
    agent,
    adsCallCredentials,
    adsChannelCredentials: (verify) => grpc.credentials.combineChannelCredentials(trustBundleChannelCredentials(trustBundle, verify), adsCallCredentials),
    close: () => {
      off();
      agent.close();
    },
  };
}
