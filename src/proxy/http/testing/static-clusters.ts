// A minimal ClusterRegistry (round robin over fixed hosts, counting circuit breakers) for tests
// and the benchmark, until they run against the real cluster manager.
import { DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS } from "../../upstream/cluster-config.js";
import type { Cluster, ClusterRegistry, CircuitBreakerResource, LbContext, UpstreamHost, UpstreamOutcome } from "../../contracts.js";

export interface StaticClusterOptions {
  http2?: boolean;
  connectTimeoutMs?: number;
  maxRequests?: number;
  maxRequestsPerConnection?: number;
  idleTimeoutMs?: number;
}

export class StaticCluster implements Cluster {
  readonly hosts: UpstreamHost[];
  readonly connectTimeoutMs: number;
  readonly maxRequestsPerConnection: number;
  readonly idleTimeoutMs: number;
  readonly http2: boolean;
  readonly outcomes: UpstreamOutcome[] = [];
  private next = 0;
  private readonly inUse = new Map<CircuitBreakerResource, number>();
  private readonly limits = new Map<CircuitBreakerResource, number>();

  constructor(readonly name: string, endpoints: readonly (readonly [string, number])[], opts: StaticClusterOptions = {}) {
    this.hosts = endpoints.map(([address, port]) => ({
      address, port, addressPort: `${address}:${port}`, weight: 1, priority: 0, locality: {}, health: "HEALTHY", activeRequests: 0, ejected: false,
    }));
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 1000;
    this.maxRequestsPerConnection = opts.maxRequestsPerConnection ?? 0;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS;
    this.http2 = opts.http2 ?? false;
    if (opts.maxRequests !== undefined) this.limits.set("requests", opts.maxRequests);
  }

  pickHost(ctx: LbContext | undefined): UpstreamHost | null {
    const n = this.hosts.length;
    for (let i = 0; i < n; i++) {
      const h = this.hosts[(this.next + i) % n] as UpstreamHost;
      if (h.health === "UNHEALTHY" || h.ejected || ctx?.avoid?.has(h)) continue;
      this.next = (this.next + i + 1) % n;
      return h;
    }
    return null;
  }

  tryAcquire(r: CircuitBreakerResource): boolean {
    const used = this.inUse.get(r) ?? 0;
    if (used >= (this.limits.get(r) ?? Infinity)) return false;
    this.inUse.set(r, used + 1);
    return true;
  }

  release(r: CircuitBreakerResource): void {
    this.inUse.set(r, (this.inUse.get(r) ?? 1) - 1);
  }

  inUseOf(r: CircuitBreakerResource): number {
    return this.inUse.get(r) ?? 0;
  }

  report(_host: UpstreamHost, outcome: UpstreamOutcome): void {
    if (this.outcomes.length < 1000) this.outcomes.push(outcome);
  }

  describeNoHealthyUpstream(): string {
    const ejected = this.hosts.filter((h) => h.ejected).length;
    return `cluster ${this.name} (${this.hosts.length} endpoints, ${ejected} ejected by outlier detection)`;
  }
}

export class StaticClusterRegistry implements ClusterRegistry {
  private readonly map = new Map<string, Cluster>();

  constructor(clusters: readonly Cluster[] = []) {
    for (const c of clusters) this.map.set(c.name, c);
  }

  add(c: Cluster): void {
    this.map.set(c.name, c);
  }

  get(name: string): Cluster | undefined {
    return this.map.get(name);
  }
}
