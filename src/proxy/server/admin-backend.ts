// Adapts the running ProxyServer to what the admin API reads (AdminBackend).
import type { AdminBackend } from "../admin/admin-server.js";
import type { StatSample } from "../admin/prometheus.js";
import { logger } from "./logger.js";
import type { ProxyServer } from "./proxy-server.js";

export function adminBackend(p: ProxyServer): AdminBackend {
  return {
    configDump: () => p.dump.render(),
    clustersText: () => p.clustersText(),
    clustersJson: () => ({
      cluster_statuses: p.clusters.list().map((c) => ({
        name: c.name,
        added_via_api: false,
        host_statuses: c.hosts.map((h) => ({
          address: { socket_address: { address: h.address, port_value: h.port } },
          stats: [
            { name: "cx_active", type: "GAUGE", value: String(h.cx_active) },
            { name: "rq_active", type: "GAUGE", value: String(h.rq_active) },
            { name: "rq_total", value: String(h.rq_total) },
            { name: "rq_error", value: String(h.rq_error) },
            { name: "rq_success", value: String(h.rq_success) },
          ],
          health_status: { eds_health_status: h.health, ...(h.ejected ? { failed_outlier_check: true } : {}) },
          weight: h.weight,
          priority: h.priority,
          locality: { region: h.locality.region ?? "", zone: h.locality.zone ?? "", sub_zone: h.locality.subZone ?? "" },
          ...(h.hostname ? { hostname: h.hostname } : {}),
        })),
      })),
    }),
    listeners: () => p.listeners.list().map((l) => ({ name: l.name, address: l.config.address, port: l.port })),
    stats: () => {
      const out: StatSample[] = [];
      for (const [name, value] of p.stats.counters) out.push({ name, value, type: "counter" });
      for (const [name, value] of p.stats.gauges) out.push({ name, value, type: "gauge" });
      for (const c of p.clusters.list()) for (const [name, value] of Object.entries(c.stats)) out.push({ name, value, type: "counter", cluster: c.name });
      out.push({ name: "server.live", value: p.state === "LIVE" ? 1 : 0, type: "gauge" });
      out.push({ name: "server.uptime", value: Math.floor((Date.now() - p.startedAt) / 1000), type: "gauge" });
      out.push({ name: "server.total_connections", value: p.listeners.list().reduce((n, l) => n + l.openConnections(), 0), type: "gauge" });
      out.push({ name: "listener_manager.total_listeners_active", value: p.listeners.list().length, type: "gauge" });
      const keep = p.statsFilter;
      return keep === null ? out : out.filter((s) => keep(s.cluster !== undefined ? `cluster.${s.cluster}.${s.name}` : s.name));
    },
    state: () => p.state,
    serverInfo: () => ({
      version: "mizzen/0.1.0",
      state: p.state,
      uptime_current_epoch: `${Math.floor((Date.now() - p.startedAt) / 1000)}s`,
      uptime_all_epochs: `${Math.floor((Date.now() - p.startedAt) / 1000)}s`,
      hot_restart_version: "disabled",
      command_line_options: { drain_time: `${p.options.drainTimeMs / 1000}s`, service_node: p.nodeId, log_level: logger.level },
      node: p.node,
    }),
    drainListeners: (graceful) => p.listeners.drainListeners(graceful),
    quit: () => p.quit(),
  };
}
