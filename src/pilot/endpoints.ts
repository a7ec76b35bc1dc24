// ClusterLoadAssignments for EDS clusters: endpoints filtered by subset labels, grouped by locality,
// with health and weight.
import type { Endpoint } from "../registry/index.js";
import { outboundClusterName, socketAddress, type EnvoyJson } from "./envoy.js";
import type { ProxyScope } from "./scope.js";
import { outboundClusters, subsetEndpoints } from "./clusters.js";
import { applyLocalityLb, type LocalityGroup } from "./locality-lb.js";
import { mergedPolicy } from "./traffic-policy.js";

function localityOf(text: string): EnvoyJson | undefined {
  if (text === "") return undefined;
  const [region = "", zone = "", subZone = ""] = text.split("/");
  const out: EnvoyJson = {};
  if (region) out["region"] = region;
  if (zone) out["zone"] = zone;
  if (subZone) out["sub_zone"] = subZone;
  return out;
}

/** LocalityLbEndpoints grouped by locality, in first-seen order. */
export function localityLbEndpoints(endpoints: readonly Endpoint[]): EnvoyJson[] {
  const groups = new Map<string, EnvoyJson[]>();
  for (const e of endpoints) {
    const lb: EnvoyJson = { endpoint: { address: socketAddress(e.address, e.port) }, health_status: e.healthy ? "HEALTHY" : "UNHEALTHY" };
    if (e.weight !== undefined && e.weight > 0) lb["load_balancing_weight"] = e.weight;
    const list = groups.get(e.locality) ?? [];
    list.push(lb);
    groups.set(e.locality, list);
  }
  return [...groups].map(([loc, lbEndpoints]) => {
    const group: EnvoyJson = { lb_endpoints: lbEndpoints };
    const l = localityOf(loc);
    if (l) group["locality"] = l;
    return group;
  });
}

/** One ClusterLoadAssignment per EDS cluster the proxy gets. */
export function loadAssignments(scope: ProxyScope, clusters: readonly EnvoyJson[] = outboundClusters(scope)): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  const eds = new Set(clusters.filter((c) => c["type"] === "EDS").map((c) => c["name"] as string));
  for (const svc of scope.services) {
    for (const sp of svc.ports) {
      const subsets = [""];
      const dr = scope.push.destinationRule(scope.proxy.namespace, scope.proxy.labels, svc);
      for (const s of dr?.spec.subsets ?? []) subsets.push(s.name);
      for (const subset of subsets) {
        const name = outboundClusterName(sp.port, subset, svc.hostname);
        if (!eds.delete(name)) continue;
        const eps = subsetEndpoints(scope, svc, sp.port, subset);
        const policy = mergedPolicy(dr, sp.port, subset);
        const groups = localityLbEndpoints(eps);
        const setting = policy.loadBalancer?.localityLbSetting ?? scope.push.mesh.localityLbSetting;
        const facts: LocalityGroup[] = groups.map((g) => ({ locality: localityText(g["locality"] as EnvoyJson | undefined) }));
        const weighted = applyLocalityLb(facts, scope.proxy.locality, setting, policy.outlierDetection !== undefined);
        groups.forEach((g, i) => {
          const f = facts[i];
          if (weighted && f?.weight !== undefined && f.weight > 0) g["load_balancing_weight"] = f.weight;
          if (f?.priority !== undefined && f.priority > 0) g["priority"] = f.priority;
        });
        // Localities a distribute rule gives no share receive no traffic (Envoy's weights are >= 1).
        const kept = weighted ? groups.filter((g) => g["load_balancing_weight"] !== undefined && g["load_balancing_weight"] !== 0) : groups;
        out.push({ cluster_name: name, endpoints: kept });
      }
    }
  }
  return out;
}

function localityText(l: EnvoyJson | undefined): string {
  if (!l) return "";
  return `${String(l["region"] ?? "")}/${String(l["zone"] ?? "")}/${String(l["sub_zone"] ?? "")}`;
}
