// The cluster manager: compiles and holds clusters by name (ClusterRegistry), applies EDS load
// assignments, and lists clusters for the admin API. An invalid cluster or assignment is rejected
// alone (MizzenError MIZZEN_ERR_XDS_INVALID) and the previous version keeps serving.
import type { ClusterRegistry, EnvoyJson } from "../contracts.js";
import { ClusterImpl, type ClusterDeps } from "./cluster.js";
import { compileCluster } from "./cluster-config.js";
import type { ClusterSnapshot } from "./cluster-stats.js";
import { systemLookup, type LookupFn } from "./discovery/dns.js";
import { invalid, isObject } from "./envoy-json.js";
import { compileLoadAssignment, type LoadAssignment } from "./load-assignment.js";
import { SYSTEM_CLOCK, type OutlierClock } from "./outlier/detector.js";
import { inlineUpstreamTls, type UpstreamTlsBuilder } from "./upstream-tls.js";

export interface ClusterManagerOptions {
  /** Builds Cluster.tls from an UpstreamTlsContext; pass part B's (SDS-aware) builder. */
  readonly tlsBuilder?: UpstreamTlsBuilder;
  readonly lookup?: LookupFn;
  readonly clock?: OutlierClock;
  /** Start interval timers (default true); tests drive refresh/tick/cleanup themselves. */
  readonly timers?: boolean;
}

export class ClusterManager implements ClusterRegistry {
  private readonly clusters = new Map<string, ClusterImpl>();
  /** Latest assignment per EDS resource name, kept for clusters that arrive later. */
  private readonly assignments = new Map<string, { la: LoadAssignment; json: EnvoyJson }>();
  private readonly deps: ClusterDeps;
  private readonly tlsBuilder: UpstreamTlsBuilder;

  constructor(options: ClusterManagerOptions = {}) {
    this.deps = {
      lookup: options.lookup ?? systemLookup,
      clock: options.clock ?? SYSTEM_CLOCK,
      timers: options.timers ?? true,
    };
    this.tlsBuilder = options.tlsBuilder ?? inlineUpstreamTls;
  }

  get(name: string): ClusterImpl | undefined {
    return this.clusters.get(name);
  }

  names(): string[] {
    return [...this.clusters.keys()];
  }

  /** Adds or updates a cluster from its Envoy JSON; throws (and changes nothing) when invalid. */
  set(json: EnvoyJson): ClusterImpl {
    if (!isObject(json)) throw invalid("cluster", "must be an object");
    const config = compileCluster(json, this.tlsBuilder);
    let cluster = this.clusters.get(config.name);
    if (cluster) cluster.reconfigure(config, json);
    else {
      cluster = new ClusterImpl(config, json, this.deps);
      this.clusters.set(config.name, cluster);
    }
    if (config.type === "EDS") {
      const pending = this.assignments.get(edsName(cluster));
      if (pending && pending.la !== cluster.edsAssignment) cluster.setEdsAssignment(pending.la);
    }
    return cluster;
  }

  remove(name: string): boolean {
    const c = this.clusters.get(name);
    if (!c) return false;
    c.close();
    this.clusters.delete(name);
    return true;
  }

  /** Applies an EDS ClusterLoadAssignment to the EDS clusters it names; throws when invalid. */
  setLoadAssignment(json: EnvoyJson): void {
    if (!isObject(json)) throw invalid("cluster_load_assignment", "must be an object");
    const name = typeof json["cluster_name"] === "string" ? json["cluster_name"] : "";
    if (!name) throw invalid("cluster_load_assignment.cluster_name", "is required");
    const la = compileLoadAssignment(json, `cluster_load_assignment ${name}`, name);
    const targets = [...this.clusters.values()].filter((c) => c.config.type === "EDS" && edsName(c) === name);
    for (const c of targets) c.checkAssignment(la);
    this.assignments.set(name, { la, json });
    for (const c of targets) c.setEdsAssignment(la);
  }

  /** The last accepted assignment's Envoy JSON for an EDS resource name. */
  loadAssignmentJson(name: string): EnvoyJson | undefined {
    return this.assignments.get(name)?.json;
  }

  removeLoadAssignment(name: string): void {
    this.assignments.delete(name);
  }

  /** Every cluster's stats under Envoy's names ("cluster.<name>.upstream_rq_pending_overflow"), for /stats. */
  statsEntries(): [string, number][] {
    const out: [string, number][] = [];
    for (const c of this.clusters.values()) {
      for (const [k, v] of Object.entries(c.stats())) out.push([`cluster.${c.name}.${k}`, v]);
    }
    return out;
  }

  list(): ClusterSnapshot[] {
    return [...this.clusters.values()].map((c) => c.snapshot());
  }

  close(): void {
    for (const c of this.clusters.values()) c.close();
  }
}

function edsName(c: ClusterImpl): string {
  return c.config.edsServiceName ?? c.name;
}
