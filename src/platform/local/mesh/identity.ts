// Workload identity for the local mesh's proxies: the control plane runs the CA (its data dir under
// the state dir); each pod gets a bootstrap token file (proving its namespace and service account)
// and its proxy runs the identity agent with `--ca-address --root-cert --token-file`.
import { chownSync, copyFileSync, chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { issuePodToken } from "../../../controlplane/security/pod-tokens.js";
import type { PodPlan } from "../pod-plan.js";

/** The label Istio's injector puts on meshed pods; auto mTLS picks endpoints by it. */
export const TLS_MODE_LABEL = "security.istio.io/tlsMode";

/** In a REDIRECT pod the pod agent relays 127.0.0.1:15012 (Istio's istiod port) to the host's CA. */
export const CA_RELAY_PORT = 15012;

export interface MeshIdentity {
  /** host:port of the CA as the host reaches it. */
  caAddress: string;
  /** REDIRECT: pods reach the CA through the pod agent's relay on their own loopback. */
  relay: boolean;
  rootCertFile: string;
  tokenDir: string;
  dataDir: string;
  /** REDIRECT sidecars run as this uid and must read their token. */
  proxyUid?: number;
}

/** Copies the CA's root certificate where every proxy uid can read it. */
export function publishRootCert(dataDir: string, stateDir: string): string {
  const file = join(stateDir, "root-cert.pem");
  copyFileSync(join(dataDir, "root-cert.pem"), file);
  chmodSync(file, 0o644);
  return file;
}

export function tokenFile(id: MeshIdentity, pod: { name: string; namespace: string }): string {
  return join(id.tokenDir, `${pod.namespace}.${pod.name}.token`);
}

/** Issues and writes the token of each pod (readable by its proxy only). */
export async function issueTokens(id: MeshIdentity, plans: readonly PodPlan[], proxyUidFor: (p: PodPlan) => number | undefined): Promise<void> {
  mkdirSync(id.tokenDir, { recursive: true, mode: 0o711 });
  chmodSync(id.tokenDir, 0o711);
  for (const p of plans) {
    const token = await issuePodToken(id.dataDir, { namespace: p.namespace, serviceAccount: p.serviceAccount, pod: p.name });
    const file = tokenFile(id, p);
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const uid = proxyUidFor(p);
    if (uid !== undefined && process.getuid?.() === 0) chownSync(file, uid, uid);
  }
}

/** The `mizzen proxy` flags that run the identity agent for a pod. */
export function identityArgs(id: MeshIdentity, pod: { name: string; namespace: string }): string[] {
  // The CA's serving certificate names istiod.istio-system.svc and localhost, not an IP.
  const port = id.relay ? CA_RELAY_PORT : Number(id.caAddress.slice(id.caAddress.lastIndexOf(":") + 1));
  return ["--ca-address", `localhost:${port}`, "--root-cert", id.rootCertFile, "--token-file", tokenFile(id, pod)];
}

/** The pod agent's env for the relay (REDIRECT). */
export function identityEnv(id: MeshIdentity): Record<string, string> {
  return id.relay ? { MIZZEN_CA_RELAY: id.caAddress } : {};
}
