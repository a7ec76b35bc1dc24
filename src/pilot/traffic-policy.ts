// DestinationRule traffic policies merged as Istio merges them: the subset's policy replaces the
// top-level one field by field (loadBalancer, connectionPool, outlierDetection, tls), and a
// port-level setting for the cluster's port then replaces those fields again.
import type { DestinationRule, TrafficPolicy } from "../config/kinds/networking/index.js";

export type PolicyFields = Pick<TrafficPolicy, "loadBalancer" | "connectionPool" | "outlierDetection" | "tls">;

const fields = ["loadBalancer", "connectionPool", "outlierDetection", "tls"] as const;

function overlay(base: PolicyFields, top: PolicyFields | undefined): PolicyFields {
  if (!top) return base;
  const out: PolicyFields = { ...base };
  for (const f of fields) if (top[f] !== undefined) (out as Record<string, unknown>)[f] = top[f];
  return out;
}

function portLevel(policy: TrafficPolicy | undefined, port: number): PolicyFields | undefined {
  return policy?.portLevelSettings?.find((p) => p.port?.number === port);
}

/** The effective policy of a cluster for `port` and `subset` (empty subset: the service's cluster). */
export function mergedPolicy(dr: DestinationRule | undefined, port: number, subset: string): PolicyFields {
  if (!dr) return {};
  const top = dr.spec.trafficPolicy;
  let merged = overlay(overlay({}, top), portLevel(top, port));
  if (subset !== "") {
    const sub = dr.spec.subsets?.find((s) => s.name === subset)?.trafficPolicy;
    merged = overlay(overlay(merged, sub), portLevel(sub, port));
  }
  return merged;
}

/** Subset labels of a DestinationRule, or undefined when the subset is not declared. */
export function subsetLabels(dr: DestinationRule | undefined, subset: string): Readonly<Record<string, string>> | undefined {
  const s = dr?.spec.subsets?.find((x) => x.name === subset);
  return s === undefined ? undefined : s.labels ?? {};
}
