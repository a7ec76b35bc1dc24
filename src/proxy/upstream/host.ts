// One upstream endpoint with its counters and outlier state. Hosts are kept across cluster and
// EDS updates (keyed by address:port) so stats and ejections survive configuration changes.
import type { Cluster, HostHealth, Locality, UpstreamHost } from "../contracts.js";

type ClusterTls = NonNullable<Cluster["tls"]>;

export interface HostSpec {
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  readonly priority: number;
  readonly locality: Locality;
  readonly health: HostHealth;
  /** Set for DNS names, to show where the address came from. */
  readonly hostname?: string;
  /** filter_metadata["envoy.transport_socket_match"] of the endpoint (transport_socket_matches). */
  readonly socketMatch?: Readonly<Record<string, unknown>>;
}

export class HostImpl implements UpstreamHost {
  readonly address: string;
  readonly port: number;
  readonly addressPort: string;
  weight: number;
  priority: number;
  locality: Locality;
  health: HostHealth;
  hostname: string | undefined;
  socketMatch: Readonly<Record<string, unknown>> | undefined;
  /** From transport_socket_matches: this host's TLS (null = plaintext); undefined = the cluster's. */
  tls: ClusterTls | null | undefined;
  activeRequests = 0;
  activeConnections = 0;
  ejected = false;
  // counters shown on /clusters
  rqTotal = 0;
  rqSuccess = 0;
  rqError = 0;
  // outlier detection state
  consecutive5xx = 0;
  consecutiveGatewayFailure = 0;
  consecutiveLocalOriginFailure = 0;
  /** Times ejected; multiplies base_ejection_time, decays while the host behaves. */
  ejectionMultiplier = 0;
  ejectedAtMs = 0;
  unejectedAtMs = 0;
  /** Requests and successes in the current outlier interval (success rate, failure percentage). */
  intervalTotal = 0;
  intervalSuccess = 0;
  /** Last time the host was used (ORIGINAL_DST cleanup). */
  lastUsedMs = 0;

  constructor(spec: HostSpec) {
    this.address = spec.address;
    this.port = spec.port;
    this.addressPort = `${spec.address}:${spec.port}`;
    this.weight = spec.weight;
    this.priority = spec.priority;
    this.locality = spec.locality;
    this.health = spec.health;
    this.hostname = spec.hostname;
    this.socketMatch = spec.socketMatch;
  }

  get key(): string {
    return hostKey(this.address, this.port);
  }

  /** Copies what configuration may change; keeps counters and outlier state. */
  updateFrom(spec: HostSpec): void {
    this.weight = spec.weight;
    this.priority = spec.priority;
    this.locality = spec.locality;
    this.health = spec.health;
    this.hostname = spec.hostname;
    this.socketMatch = spec.socketMatch;
  }
}

export function hostKey(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Envoy's "available" hosts: healthy, degraded or unknown, and not ejected. */
export function isAvailable(h: UpstreamHost): boolean {
  if (h.ejected) return false;
  return h.health === "HEALTHY" || h.health === "UNKNOWN" || h.health === "DEGRADED";
}

export function localityKey(l: Locality): string {
  return `${l.region ?? ""}/${l.zone ?? ""}/${l.subZone ?? ""}`;
}
