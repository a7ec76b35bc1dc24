// A cluster at run time: hosts (kept across updates), priority set and balancers, circuit
// breakers, outlier detection and its discovery (static, DNS, EDS, original destination).
import { isIP } from "node:net";
import type { Cluster, CircuitBreakerResource, EnvoyJson, LbContext, UpstreamHost, UpstreamOutcome } from "../contracts.js";
import { CircuitBreakers } from "./circuit-breakers.js";
import type { ClusterConfig } from "./cluster-config.js";
import { healthFlags, type ClusterSnapshot } from "./cluster-stats.js";
import { DnsDiscovery, type LookupFn } from "./discovery/dns.js";
import { OriginalDstHosts } from "./discovery/original-dst.js";
import { invalid } from "./envoy-json.js";
import { HostImpl, hostKey, isAvailable, type HostSpec } from "./host.js";
import { loadBalancerFactory, type LbFactory } from "./lb/index.js";
import type { LoadAssignment } from "./load-assignment.js";
import { OutlierDetector, type OutlierClock } from "./outlier/detector.js";
import { PrioritySet } from "./priority-set.js";
import { matchTransportSocket } from "./upstream-tls.js";

export interface ClusterDeps {
  readonly lookup: LookupFn;
  readonly clock: OutlierClock;
  /** Start interval timers (DNS refresh, outlier sweeps, ORIGINAL_DST cleanup); tests drive them by hand. */
  readonly timers: boolean;
}

export class ClusterImpl implements Cluster {
  readonly name: string;
  config: ClusterConfig;
  json: EnvoyJson;
  connectTimeoutMs: number;
  maxRequestsPerConnection: number;
  idleTimeoutMs: number;
  http2: boolean;
  tls: Cluster["tls"];
  readonly breakers: CircuitBreakers;
  outlier: OutlierDetector | undefined;
  dns: DnsDiscovery | undefined;
  originalDst: OriginalDstHosts | undefined;
  private readonly hostMap = new Map<string, HostImpl>();
  private hostList: HostImpl[] = [];
  private prioritySet!: PrioritySet;
  private assignment: LoadAssignment | undefined;
  private previousType: ClusterConfig["type"] | undefined;
  private readonly counters = {
    upstream_cx_none_healthy: 0, membership_change: 0, update_success: 0, update_failure: 0, update_empty: 0,
    upstream_rq_total: 0, upstream_rq_error: 0, upstream_rq_success: 0,
  };

  constructor(config: ClusterConfig, json: EnvoyJson, private readonly deps: ClusterDeps) {
    this.name = config.name;
    this.config = config;
    this.json = json;
    this.connectTimeoutMs = config.connectTimeoutMs;
    this.maxRequestsPerConnection = config.maxRequestsPerConnection;
    this.idleTimeoutMs = config.idleTimeoutMs;
    this.http2 = config.http2;
    this.tls = config.tls;
    this.breakers = new CircuitBreakers(config.limits);
    this.apply(config, json, undefined);
  }

  /** per_connection_buffer_limit_bytes (Envoy's default 1 MiB): the upstream connections' write watermark. */
  get bufferLimitBytes(): number {
    return this.config.perConnectionBufferLimitBytes;
  }

  /** Applies a new version of this cluster; hosts that stay keep their stats and ejection state. */
  reconfigure(config: ClusterConfig, json: EnvoyJson): void {
    const previous = this.config;
    this.config = config;
    this.json = json;
    this.connectTimeoutMs = config.connectTimeoutMs;
    this.maxRequestsPerConnection = config.maxRequestsPerConnection;
    this.idleTimeoutMs = config.idleTimeoutMs;
    this.http2 = config.http2;
    this.tls = config.tls;
    this.breakers.limits = config.limits;
    this.apply(config, json, previous);
  }

  private apply(config: ClusterConfig, _json: EnvoyJson, previous: ClusterConfig | undefined): void {
    const factory = config.lbPolicy === "CLUSTER_PROVIDED" ? undefined : loadBalancerFactory(config.lbPolicy);
    this.prioritySet = new PrioritySet(factory ?? (loadBalancerFactory("ROUND_ROBIN") as LbFactory), config.lb, this.priorityOptions());
    // outlier detection keeps its per-host state in the hosts; only the detector is swapped
    if (config.outlier) {
      if (!this.outlier) {
        this.outlier = new OutlierDetector(config.outlier, () => this.allHosts(), () => this.rebuild(), this.deps.clock);
      } else {
        this.outlier.config = config.outlier;
      }
      if (this.deps.timers) this.outlier.start();
    } else if (this.outlier) {
      this.outlier.stop();
      for (const h of this.hostMap.values()) h.ejected = false;
      this.outlier = undefined;
    }
    const discoveryChanged = previous === undefined || previous.type !== config.type ||
      assignmentKey(previous.loadAssignment) !== assignmentKey(config.loadAssignment) ||
      previous.dnsRefreshRateMs !== config.dnsRefreshRateMs || previous.dnsLookupFamily !== config.dnsLookupFamily;
    if (discoveryChanged) this.startDiscovery(config);
    else this.rebuild();
    this.previousType = config.type;
    if (config.type === "ORIGINAL_DST") this.originalDst?.setCleanupInterval(config.cleanupIntervalMs);
  }

  private startDiscovery(config: ClusterConfig): void {
    this.dns?.stop();
    this.dns = undefined;
    if (config.type !== "ORIGINAL_DST" && this.originalDst) {
      this.originalDst.stop();
      this.originalDst = undefined;
    }
    switch (config.type) {
      case "STATIC":
        this.setAssignment(config.loadAssignment);
        break;
      case "EDS":
        // hosts come from setLoadAssignment; a new version of an EDS cluster keeps the last one
        if (this.previousType !== "EDS") {
          this.assignment = undefined;
          this.setHosts([]);
        } else this.rebuild();
        break;
      case "STRICT_DNS":
      case "LOGICAL_DNS": {
        const la = config.loadAssignment;
        this.assignment = la;
        this.dns = new DnsDiscovery({
          endpoints: la?.hosts ?? [],
          logical: config.type === "LOGICAL_DNS",
          refreshMs: config.dnsRefreshRateMs,
          family: config.dnsLookupFamily,
          lookup: this.deps.lookup,
          onHosts: (hosts) => {
            this.count("update_success");
            this.setHosts(hosts);
          },
          onFailure: () => this.count("update_failure"),
        });
        if (this.deps.timers) this.dns.start();
        else void this.dns.refresh();
        break;
      }
      case "ORIGINAL_DST":
        if (!this.originalDst) {
          this.originalDst = new OriginalDstHosts(config.cleanupIntervalMs, () => this.deps.clock.now(), () => this.rebuild());
          if (this.deps.timers) this.originalDst.start();
        }
        this.rebuild();
        break;
    }
  }

  private setAssignment(la: LoadAssignment | undefined): void {
    this.assignment = la;
    this.setHosts(la?.hosts ?? []);
  }

  /** Throws unless every address of an EDS assignment is an IP. */
  checkAssignment(la: LoadAssignment): void {
    la.hosts.forEach((h, i) => {
      if (isIP(h.address) === 0) throw invalid(`cluster_load_assignment ${la.clusterName} host ${i}`, `"${h.address}" is not an IP address`);
    });
  }

  get edsAssignment(): LoadAssignment | undefined {
    return this.config.type === "EDS" ? this.assignment : undefined;
  }

  /** Hosts for an EDS cluster (checked by checkAssignment first). */
  setEdsAssignment(la: LoadAssignment): void {
    this.checkAssignment(la);
    this.setAssignment(la);
  }

  /** Replaces the host set, reusing HostImpl objects (and their state) for addresses that stay. */
  setHosts(specs: readonly HostSpec[]): void {
    const next = new Map<string, HostImpl>();
    let changed = specs.length !== this.hostMap.size;
    for (const spec of specs) {
      const key = hostKey(spec.address, spec.port);
      if (next.has(key)) continue;
      let h = this.hostMap.get(key);
      if (h) h.updateFrom(spec);
      else {
        h = new HostImpl(spec);
        changed = true;
      }
      next.set(key, h);
    }
    this.hostMap.clear();
    for (const [k, h] of next) this.hostMap.set(k, h);
    this.hostList = [...next.values()];
    if (changed) this.count("membership_change");
    if (specs.length === 0) this.count("update_empty");
    this.rebuild();
  }

  private priorityOptions() {
    return {
      panicThreshold: this.config.panicThreshold,
      localityWeighted: this.config.localityWeighted,
      overprovisioningFactor: this.assignment?.overprovisioningFactor ?? 1.4,
      localityWeights: this.assignment?.localityWeights ?? new Map<string, number>(),
    };
  }

  /** Recomputes priority loads and balancers (after membership, health or ejection changes). */
  rebuild(): void {
    const matches = this.config.transportSocketMatches;
    for (const h of this.hostList) h.tls = matches.length === 0 ? undefined : matchTransportSocket(matches, h.socketMatch)?.tls;
    this.prioritySet.setOptions(this.priorityOptions());
    this.prioritySet.update(this.allHosts());
  }

  allHosts(): HostImpl[] {
    return this.originalDst ? this.originalDst.list() : this.hostList;
  }

  pickHost(ctx: LbContext | undefined): UpstreamHost | null {
    let h: UpstreamHost | null;
    if (this.originalDst) {
      const d = ctx?.originalDestination;
      const host = d ? this.originalDst.get(d.address, d.port) : null;
      h = host && !host.ejected ? host : null;
    } else {
      h = this.prioritySet.pick(ctx, 0);
      const avoid = ctx?.avoid;
      if (h !== null && avoid !== undefined && avoid.size > 0) h = this.reselect(h, ctx as LbContext, avoid);
    }
    if (h === null) this.counters.upstream_cx_none_healthy++;
    return h;
  }

  /**
   * Envoy's host selection with a retry host predicate (previous_hosts): while the pick is a host
   * to avoid, pick again, at most host_selection_retry_max_attempts more times; then the last
   * pick is used even if it is one to avoid.
   */
  private reselect(first: UpstreamHost, ctx: LbContext, avoid: ReadonlySet<UpstreamHost>): UpstreamHost | null {
    const retries = ctx.hostSelectionRetries ?? 1;
    let h: UpstreamHost | null = first;
    for (let a = 1; a <= retries && h !== null && avoid.has(h); a++) h = this.prioritySet.pick(ctx, a);
    return h;
  }

  tryAcquire(resource: CircuitBreakerResource): boolean {
    return this.breakers.tryAcquire(resource);
  }

  release(resource: CircuitBreakerResource): void {
    this.breakers.release(resource);
  }

  report(host: UpstreamHost, outcome: UpstreamOutcome): void {
    const ok = outcome.kind === "response" && outcome.status < 500;
    // Named fields, not count(name): a keyed store with a varying key is megamorphic, per request.
    const c = this.counters;
    c.upstream_rq_total++;
    if (ok) c.upstream_rq_success++; else c.upstream_rq_error++;
    if (!(host instanceof HostImpl)) return;
    host.rqTotal++;
    if (ok) host.rqSuccess++;
    else host.rqError++;
    this.outlier?.report(host, outcome);
  }

  describeNoHealthyUpstream(): string {
    const hosts = this.allHosts();
    const parts = [`${hosts.length} endpoints`];
    const ejected = hosts.filter((h) => h.ejected).length;
    const unhealthy = hosts.filter((h) => !h.ejected && !isAvailable(h)).length;
    if (ejected > 0) parts.push(`${ejected} ejected by outlier detection`);
    if (unhealthy > 0) parts.push(`${unhealthy} unhealthy`);
    if (this.breakers.anyOpen()) parts.push("circuit breaker open");
    return `cluster ${this.name} (${parts.join(", ")})`;
  }

  private count(name: keyof ClusterImpl["counters"]): void {
    this.counters[name] = (this.counters[name] ?? 0) + 1;
  }

  stats(): Record<string, number> {
    const hosts = this.allHosts();
    return {
      ...this.counters,
      ...this.breakers.stats(),
      ...(this.outlier ? prefixed("outlier_detection.", this.outlier.stats()) : {}),
      membership_total: hosts.length,
      membership_healthy: hosts.filter(isAvailable).length,
      upstream_rq_active: hosts.reduce((s, h) => s + h.activeRequests, 0),
      upstream_cx_active: hosts.reduce((s, h) => s + h.activeConnections, 0),
    };
  }

  snapshot(): ClusterSnapshot {
    return {
      name: this.name,
      type: this.config.type,
      lbPolicy: this.config.lbPolicy,
      config: this.json,
      stats: this.stats(),
      circuitBreakers: this.config.limits,
      priorities: this.prioritySet.describe(),
      hosts: this.allHosts().map((h) => ({
        address: h.address, port: h.port, ...(h.hostname ? { hostname: h.hostname } : {}),
        health: h.health, healthFlags: healthFlags(h.health, h.ejected), weight: h.weight, priority: h.priority,
        locality: h.locality, ejected: h.ejected, cx_active: h.activeConnections, rq_active: h.activeRequests,
        rq_total: h.rqTotal, rq_error: h.rqError, rq_success: h.rqSuccess,
      })),
    };
  }

  /** Stops timers (DNS refresh, outlier sweeps, cleanup). */
  close(): void {
    this.dns?.stop();
    this.outlier?.stop();
    this.originalDst?.stop();
  }
}

function prefixed(prefix: string, r: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(r)) out[prefix + k] = v;
  return out;
}

function assignmentKey(la: LoadAssignment | undefined): string {
  return la ? JSON.stringify([la.hosts, [...la.localityWeights], la.overprovisioningFactor]) : "";
}
