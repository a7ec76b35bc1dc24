import { test } from "node:test";
import assert from "node:assert/strict";
import { ClusterManager } from "./cluster-manager.js";
import { formatClustersText } from "./clusters-text.js";

test("/clusters text lists limits and per-host counters as Envoy prints them", () => {
  const m = new ClusterManager({ timers: false });
  const c = m.set({
    name: "web", circuit_breakers: { thresholds: [{ max_connections: 10 }] },
    load_assignment: { endpoints: [{ locality: { zone: "z1" }, lb_endpoints: [
      { endpoint: { address: { socket_address: { address: "10.0.0.1", port_value: 80 } } }, load_balancing_weight: 4 }] }] },
  });
  const h = c.pickHost(undefined);
  assert.ok(h);
  c.report(h, { kind: "response", status: 200 });
  const text = formatClustersText(m.list());
  const lines = text.trim().split("\n");
  assert.ok(lines.includes("web::default_priority::max_connections::10"));
  assert.ok(lines.includes("web::default_priority::max_retries::3"));
  assert.ok(lines.includes("web::10.0.0.1:80::rq_success::1"));
  assert.ok(lines.includes("web::10.0.0.1:80::rq_total::1"));
  assert.ok(lines.includes("web::10.0.0.1:80::health_flags::healthy"));
  assert.ok(lines.includes("web::10.0.0.1:80::weight::4"));
  assert.ok(lines.includes("web::10.0.0.1:80::zone::z1"));
  assert.equal(formatClustersText([]), "");
});
