// Envoy's /clusters plain-text format from cluster snapshots, for the admin API.
import type { ClusterSnapshot } from "./cluster-stats.js";

export function formatClustersText(clusters: readonly ClusterSnapshot[], addedViaApi = false): string {
  const out: string[] = [];
  for (const c of clusters) {
    const n = c.name;
    out.push(`${n}::observability_name::${n}`);
    out.push(`${n}::default_priority::max_connections::${c.circuitBreakers.connections}`);
    out.push(`${n}::default_priority::max_pending_requests::${c.circuitBreakers.pending}`);
    out.push(`${n}::default_priority::max_requests::${c.circuitBreakers.requests}`);
    out.push(`${n}::default_priority::max_retries::${c.circuitBreakers.retries}`);
    out.push(`${n}::added_via_api::${addedViaApi}`);
    for (const h of c.hosts) {
      const p = `${n}::${h.address.includes(":") ? `[${h.address}]` : h.address}:${h.port}`;
      out.push(`${p}::cx_active::${h.cx_active}`);
      out.push(`${p}::rq_active::${h.rq_active}`);
      out.push(`${p}::rq_error::${h.rq_error}`);
      out.push(`${p}::rq_success::${h.rq_success}`);
      out.push(`${p}::rq_total::${h.rq_total}`);
      out.push(`${p}::hostname::${h.hostname ?? ""}`);
      out.push(`${p}::health_flags::${h.healthFlags}`);
      out.push(`${p}::weight::${h.weight}`);
      out.push(`${p}::region::${h.locality.region ?? ""}`);
      out.push(`${p}::zone::${h.locality.zone ?? ""}`);
      out.push(`${p}::sub_zone::${h.locality.subZone ?? ""}`);
      out.push(`${p}::canary::false`);
      out.push(`${p}::priority::${h.priority}`);
      out.push(`${p}::success_rate::-1`);
      out.push(`${p}::local_origin_success_rate::-1`);
    }
  }
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}
