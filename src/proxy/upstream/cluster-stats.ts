// The admin view of a cluster and its hosts (what /clusters prints).
import type { EnvoyJson, HostHealth, Locality } from "../contracts.js";

export interface HostSnapshot {
  readonly address: string;
  readonly port: number;
  readonly hostname?: string;
  readonly health: HostHealth;
  /** Envoy's health_flags: "healthy" or e.g. "/failed_outlier_check/failed_eds_health". */
  readonly healthFlags: string;
  readonly weight: number;
  readonly priority: number;
  readonly locality: Locality;
  readonly ejected: boolean;
  readonly cx_active: number;
  readonly rq_active: number;
  readonly rq_total: number;
  readonly rq_error: number;
  readonly rq_success: number;
}

export interface ClusterSnapshot {
  readonly name: string;
  readonly type: string;
  readonly lbPolicy: string;
  /** The last accepted Envoy JSON. */
  readonly config: EnvoyJson;
  readonly stats: Readonly<Record<string, number>>;
  readonly circuitBreakers: { readonly connections: number; readonly pending: number; readonly requests: number; readonly retries: number };
  readonly priorities: readonly { priority: number; hosts: number; available: number; health: number; load: number; panic: boolean }[];
  readonly hosts: readonly HostSnapshot[];
}

export function healthFlags(health: HostHealth, ejected: boolean): string {
  let flags = "";
  if (ejected) flags += "/failed_outlier_check";
  if (health === "UNHEALTHY" || health === "TIMEOUT") flags += "/failed_eds_health";
  if (health === "DRAINING") flags += "/eds_status_draining";
  if (health === "DEGRADED") flags += "/degraded_eds_health";
  return flags === "" ? "healthy" : flags;
}
