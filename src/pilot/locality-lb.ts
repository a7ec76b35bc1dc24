// Istio's locality load balancing on a ClusterLoadAssignment, relative to the proxy's locality:
// - distribute: weights per destination locality from the rule whose `from` matches the proxy;
// - failover (Istio enables it only when the cluster has outlier detection): priority 0 for the
//   proxy's own region/zone/subzone, 1 for its zone, 2 for its region, 3 for the rest, where a
//   `failover {from, to}` rule moves the `to` region ahead of other regions. Priorities are made
//   dense (0, 1, 2 …) as Envoy expects.

export interface LocalitySetting {
  enabled?: boolean | undefined;
  distribute?: { from?: string | undefined; to?: Record<string, number> | undefined }[] | undefined;
  failover?: { from?: string | undefined; to?: string | undefined }[] | undefined;
}

export interface LocalityGroup {
  /** "region/zone/subzone". */
  readonly locality: string;
  weight?: number;
  priority?: number;
}

function parts(l: string): [string, string, string] {
  const [r = "", z = "", s = ""] = l.split("/");
  return [r, z, s];
}

/** Istio's locality patterns: "region/zone/subzone" with "*" matching the rest. */
export function localityMatches(pattern: string, locality: string): boolean {
  const p = pattern.split("/");
  const l = parts(locality);
  for (let i = 0; i < p.length && i < 3; i++) {
    if (p[i] === "*") return true;
    if (p[i] !== l[i]) return false;
  }
  return true;
}

function applyDistribute(groups: LocalityGroup[], proxyLocality: string, setting: LocalitySetting): boolean {
  const rule = (setting.distribute ?? []).find((d) => d.from !== undefined && localityMatches(d.from, proxyLocality));
  if (!rule?.to) return false;
  for (const g of groups) g.weight = 0;
  for (const [pattern, pct] of Object.entries(rule.to)) {
    const matching = groups.filter((g) => localityMatches(pattern, g.locality));
    // A "to" entry's share is split across the localities it matches, as Istio does.
    for (const g of matching) g.weight = (g.weight ?? 0) + Math.max(1, Math.round((pct * 1000) / matching.length));
  }
  return true;
}

function applyFailover(groups: LocalityGroup[], proxyLocality: string, setting: LocalitySetting): void {
  const [pr, pz, ps] = parts(proxyLocality);
  const failoverTo = (setting.failover ?? []).find((f) => f.from === pr)?.to;
  const raw = groups.map((g) => {
    const [r, z, s] = parts(g.locality);
    if (r === pr && z === pz && s === ps) return 0;
    if (r === pr && z === pz) return 1;
    if (r === pr) return 2;
    if (failoverTo !== undefined && r === failoverTo) return 3;
    return 4;
  });
  const dense = [...new Set(raw)].sort((a, b) => a - b);
  groups.forEach((g, i) => {
    g.priority = dense.indexOf(raw[i] ?? 4);
  });
}

/** Sets weight/priority on the groups; returns whether locality weights are in use. */
export function applyLocalityLb(groups: LocalityGroup[], proxyLocality: string, setting: LocalitySetting | undefined, outlierDetection: boolean): boolean {
  if (!setting || setting.enabled === false || proxyLocality === "") return false;
  if ((setting.distribute ?? []).length > 0) return applyDistribute(groups, proxyLocality, setting);
  if (outlierDetection) applyFailover(groups, proxyLocality, setting);
  return false;
}
