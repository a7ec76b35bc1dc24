// envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy compiled once.
import type { EnvoyJson } from "../contracts.js";
import { invalid, optDurationMs, optInt, optObject, optObjects, optString, reqString } from "../listener/envoy-fields.js";
import { compileAccessLogs, type AccessLogSink } from "./access-log.js";

export const TCP_PROXY_TYPE = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";

export interface WeightedCluster {
  readonly name: string;
  readonly weight: number;
}

export interface TcpProxyConfig {
  readonly statPrefix: string;
  /** One entry for `cluster`, several for `weighted_clusters`. */
  readonly clusters: readonly WeightedCluster[];
  readonly totalWeight: number;
  /** 0 disables the idle timeout. */
  readonly idleTimeoutMs: number;
  readonly maxConnectAttempts: number;
  readonly accessLogs: readonly AccessLogSink[];
}

export function compileTcpProxy(json: EnvoyJson, field = "tcp_proxy"): TcpProxyConfig {
  const statPrefix = reqString(json, "stat_prefix", field);
  const single = optString(json, "cluster", field);
  const weighted = optObject(json, "weighted_clusters", field);
  let clusters: WeightedCluster[];
  if (single !== undefined && single !== "") {
    if (weighted) throw invalid(field, "set only one of cluster and weighted_clusters");
    clusters = [{ name: single, weight: 1 }];
  } else if (weighted) {
    clusters = optObjects(weighted, "clusters", `${field}.weighted_clusters`).map((c, i) => {
      const f = `${field}.weighted_clusters.clusters[${i}]`;
      const weight = optInt(c, "weight", f) ?? 0;
      if (weight < 0) throw invalid(`${f}.weight`, "must not be negative");
      return { name: reqString(c, "name", f), weight };
    });
    if (clusters.length === 0) throw invalid(`${field}.weighted_clusters.clusters`, "needs at least one cluster");
  } else {
    throw invalid(field, "needs cluster or weighted_clusters");
  }
  const totalWeight = clusters.reduce((n, c) => n + c.weight, 0);
  if (totalWeight <= 0) throw invalid(`${field}.weighted_clusters`, "total weight must be positive");
  const maxConnectAttempts = optInt(json, "max_connect_attempts", field) ?? 1;
  if (maxConnectAttempts < 1) throw invalid(`${field}.max_connect_attempts`, "must be at least 1");
  return {
    statPrefix, clusters, totalWeight,
    idleTimeoutMs: optDurationMs(json, "idle_timeout", field) ?? 3_600_000,
    maxConnectAttempts,
    accessLogs: compileAccessLogs(optObjects(json, "access_log", field), `${field}.access_log`),
  };
}

/** Weighted pick; `r` in [0, 1). */
export function pickCluster(cfg: TcpProxyConfig, r: number): string {
  let x = r * cfg.totalWeight;
  for (const c of cfg.clusters) {
    if (x < c.weight) return c.name;
    x -= c.weight;
  }
  return (cfg.clusters[cfg.clusters.length - 1] as WeightedCluster).name;
}
