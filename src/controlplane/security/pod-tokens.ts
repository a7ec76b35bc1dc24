// Per-pod bootstrap tokens for the local platform: the launcher calls issuePodToken with the
// control plane's data dir (same host, same key file) and hands the token to the pod's proxy
// (`mizzen proxy --token-file`). A token proves one namespace/service account and expires.
import { BootstrapTokens } from "../../ca/index.js";

export interface PodIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly pod: string;
}

/** A signed token for one pod, valid `ttlSeconds` (default 24 h). */
export async function issuePodToken(dataDir: string, pod: PodIdentity, ttlSeconds?: number): Promise<string> {
  return BootstrapTokens.open(dataDir).issue({ namespace: pod.namespace, serviceAccount: pod.serviceAccount, podName: pod.pod }, ttlSeconds);
}
