// SPIFFE identities as Istio writes them: spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>.
import { MizzenError } from "../errors.js";

export interface WorkloadIdentity {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

const LABEL = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function spiffeId(id: WorkloadIdentity): string {
  for (const [field, v] of [["trust domain", id.trustDomain], ["namespace", id.namespace], ["service account", id.serviceAccount]] as const) {
    if (!LABEL.test(v) || v.length > 253) throw new MizzenError("MIZZEN_ERR_SPIFFE_INVALID", `${field} "${v}" is not a valid SPIFFE path segment`);
  }
  return `spiffe://${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}

export function parseSpiffeId(uri: string): WorkloadIdentity | undefined {
  const m = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(uri);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) return undefined;
  return { trustDomain: m[1], namespace: m[2], serviceAccount: m[3] };
}
