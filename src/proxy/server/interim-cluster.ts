// A minimal STATIC cluster (round robin, connections circuit breaker, optional upstream TLS) used
// by `mizzen proxy` until the upstream part's cluster manager is wired in. It implements the
// Cluster contract only; no health checks, outlier detection or EDS.
import type { Cluster, CircuitBreakerResource, ClusterRegistry, EnvoyJson, LbContext, UpstreamHost } from "../contracts.js";
import { invalid, isObject, oneOfEnum, optDurationMs, optInt, optObject, optObjects, optString, reqObject, reqString, typeUrlOf } from "../listener/envoy-fields.js";
import type { SecretStore } from "../tls/secret-store.js";
import { UPSTREAM_TLS_TYPE, buildUpstreamTls, type ClusterTls } from "../tls/upstream.js";

export class InterimCluster implements Cluster {
  private next = 0;
  private readonly inUse: Record<CircuitBreakerResource, number> = { connections: 0, pending: 0, requests: 0, retries: 0 };
  readonly maxRequestsPerConnection = 0;
  readonly tls?: ClusterTls;

  constructor(
    readonly name: string,
    readonly hosts: readonly UpstreamHost[],
    readonly connectTimeoutMs: number,
    private readonly limits: Record<CircuitBreakerResource, number>,
    readonly http2: boolean,
    readonly json: EnvoyJson,
    tls: ClusterTls | undefined,
  ) {
    if (tls) this.tls = tls;
  }

  pickHost(ctx: LbContext | undefined): UpstreamHost | null {
    for (let i = 0; i < this.hosts.length; i++) {
      const h = this.hosts[(this.next + i) % this.hosts.length] as UpstreamHost;
      if (h.ejected || h.health === "UNHEALTHY" || ctx?.avoid?.has(h)) continue;
      this.next = (this.next + i + 1) % this.hosts.length;
      return h;
    }
    return null;
  }

  tryAcquire(resource: CircuitBreakerResource): boolean {
    if (this.inUse[resource] >= this.limits[resource]) return false;
    this.inUse[resource]++;
    return true;
  }

  release(resource: CircuitBreakerResource): void {
    if (this.inUse[resource] > 0) this.inUse[resource]--;
  }

  report(): void {
    // no outlier detection in the interim cluster
  }

  describeNoHealthyUpstream(): string {
    return `cluster ${this.name} (${this.hosts.length} endpoints)`;
  }
}

export function compileInterimCluster(json: unknown, secrets: SecretStore): InterimCluster {
  if (!isObject(json)) throw invalid("cluster", "must be an object");
  const name = reqString(json, "name", "cluster");
  const f = `cluster "${name}"`;
  oneOfEnum(optString(json, "type", f), ["STATIC", "STRICT_DNS", "LOGICAL_DNS"] as const, "STATIC", `${f}.type`);
  const hosts: UpstreamHost[] = [];
  const la = optObject(json, "load_assignment", f) ?? {};
  optObjects(la, "endpoints", `${f}.load_assignment`).forEach((le, i) => {
    optObjects(le, "lb_endpoints", `${f}.load_assignment.endpoints[${i}]`).forEach((lb, j) => {
      const ef = `${f}.load_assignment.endpoints[${i}].lb_endpoints[${j}]`;
      const sa = reqObject(reqObject(reqObject(lb, "endpoint", ef), "address", `${ef}.endpoint`), "socket_address", `${ef}.endpoint.address`);
      const port = optInt(sa, "port_value", `${ef}.endpoint.address.socket_address`);
      if (port === undefined || port < 1 || port > 65535) throw invalid(`${ef}.endpoint.address.socket_address.port_value`, "must be 1..65535");
      hosts.push({
        address: reqString(sa, "address", `${ef}.endpoint.address.socket_address`), port,
        weight: optInt(lb, "load_balancing_weight", ef) ?? 1, priority: optInt(le, "priority", ef) ?? 0,
        locality: {}, health: "HEALTHY", activeRequests: 0, ejected: false,
      });
    });
  });
  const limits: Record<CircuitBreakerResource, number> = { connections: 1024, pending: 1024, requests: 1024, retries: 3 };
  const cb = optObject(json, "circuit_breakers", f);
  const t0 = cb ? optObjects(cb, "thresholds", `${f}.circuit_breakers`)[0] : undefined;
  if (t0) {
    const tf = `${f}.circuit_breakers.thresholds[0]`;
    limits.connections = optInt(t0, "max_connections", tf) ?? limits.connections;
    limits.pending = optInt(t0, "max_pending_requests", tf) ?? limits.pending;
    limits.requests = optInt(t0, "max_requests", tf) ?? limits.requests;
    limits.retries = optInt(t0, "max_retries", tf) ?? limits.retries;
  }
  let tls: ClusterTls | undefined;
  const ts = optObject(json, "transport_socket", f);
  if (ts) {
    const tc = reqObject(ts, "typed_config", `${f}.transport_socket`);
    if (typeUrlOf(tc, `${f}.transport_socket.typed_config`) === UPSTREAM_TLS_TYPE) tls = buildUpstreamTls(tc, secrets, `${f}.transport_socket.typed_config`);
  }
  const http2 = json.http2_protocol_options !== undefined;
  return new InterimCluster(name, hosts, optDurationMs(json, "connect_timeout", f) ?? 5000, limits, http2, json, tls);
}

export class InterimClusterRegistry implements ClusterRegistry {
  readonly clusters = new Map<string, InterimCluster>();

  get(name: string): InterimCluster | undefined {
    return this.clusters.get(name);
  }
}
