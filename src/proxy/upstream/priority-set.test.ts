// Priority spill-over, panic threshold and locality weighted balancing, through real clusters.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { EnvoyJson, UpstreamHost } from "../contracts.js";
import { ClusterManager } from "./cluster-manager.js";

function lbEndpoints(prefix: string, healthy: number, unhealthy: number): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  for (let i = 0; i < healthy + unhealthy; i++) {
    out.push({
      endpoint: { address: { socket_address: { address: `${prefix}.${i + 1}`, port_value: 80 } } },
      health_status: i < healthy ? "HEALTHY" : "UNHEALTHY",
    });
  }
  return out;
}

function edsCluster(extra: EnvoyJson = {}) {
  const m = new ClusterManager({ timers: false });
  const c = m.set({ name: "p", type: "EDS", eds_cluster_config: {}, ...extra });
  return { m, c };
}

function share(pick: () => UpstreamHost | null, n: number, match: (h: UpstreamHost) => boolean): number {
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const h = pick();
    assert.ok(h);
    if (match(h)) hits++;
  }
  return hits / n;
}

test("a degraded priority 0 spills to priority 1 by the overprovisioning factor (1.4)", () => {
  const { m, c } = edsCluster();
  m.setLoadAssignment({ cluster_name: "p", endpoints: [
    { priority: 0, lb_endpoints: lbEndpoints("10.0.0", 2, 2) },
    { priority: 1, lb_endpoints: lbEndpoints("10.0.1", 4, 0) },
  ] });
  const levels = c.snapshot().priorities;
  assert.deepEqual(levels.map((l) => [l.health, l.load, l.panic]), [[70, 70, false], [100, 30, false]]);
  const p1 = share(() => c.pickHost(undefined), 4000, (h) => h.priority === 1);
  assert.ok(p1 > 0.24 && p1 < 0.36, `priority 1 share ${p1}`);
  // all healthy again: everything back on priority 0
  m.setLoadAssignment({ cluster_name: "p", endpoints: [
    { priority: 0, lb_endpoints: lbEndpoints("10.0.0", 4, 0) },
    { priority: 1, lb_endpoints: lbEndpoints("10.0.1", 4, 0) },
  ] });
  assert.equal(share(() => c.pickHost(undefined), 500, (h) => h.priority === 1), 0);
});

test("the overprovisioning factor comes from the assignment policy", () => {
  const { m, c } = edsCluster();
  m.setLoadAssignment({ cluster_name: "p", policy: { overprovisioning_factor: 100 }, endpoints: [
    { priority: 0, lb_endpoints: lbEndpoints("10.0.0", 3, 1) },
    { priority: 1, lb_endpoints: lbEndpoints("10.0.1", 1, 0) },
  ] });
  assert.deepEqual(c.snapshot().priorities.map((l) => l.load), [75, 25]);
});

test("below the panic threshold a level routes to all its hosts", () => {
  const { m, c } = edsCluster();
  m.setLoadAssignment({ cluster_name: "p", endpoints: [{ lb_endpoints: lbEndpoints("10.0.0", 1, 3) }] });
  assert.equal(c.snapshot().priorities[0]?.panic, true);
  const unhealthy = share(() => c.pickHost(undefined), 2000, (h) => h.health === "UNHEALTHY");
  assert.ok(unhealthy > 0.6 && unhealthy < 0.9, `unhealthy share in panic ${unhealthy}`);
  // at or above the threshold: healthy hosts only
  m.setLoadAssignment({ cluster_name: "p", endpoints: [{ lb_endpoints: lbEndpoints("10.0.0", 2, 2) }] });
  assert.equal(share(() => c.pickHost(undefined), 500, (h) => h.health === "UNHEALTHY"), 0);
});

test("panic is disregarded when lower priorities bring total health to 100 %", () => {
  const { m, c } = edsCluster();
  m.setLoadAssignment({ cluster_name: "p", endpoints: [
    { priority: 0, lb_endpoints: lbEndpoints("10.0.0", 1, 3) },
    { priority: 1, lb_endpoints: lbEndpoints("10.0.1", 4, 0) },
  ] });
  const levels = c.snapshot().priorities;
  assert.deepEqual(levels.map((l) => [l.load, l.panic]), [[35, false], [65, false]]);
  assert.equal(share(() => c.pickHost(undefined), 1000, (h) => h.health === "UNHEALTHY"), 0);
});

test("healthy_panic_threshold 0 disables panic: no host when none is healthy", () => {
  const { m, c } = edsCluster({ common_lb_config: { healthy_panic_threshold: { value: 0 } } });
  m.setLoadAssignment({ cluster_name: "p", endpoints: [{ lb_endpoints: lbEndpoints("10.0.0", 0, 3) }] });
  assert.equal(c.pickHost(undefined), null);
  assert.equal(c.describeNoHealthyUpstream(), "cluster p (3 endpoints, 3 unhealthy)");
  assert.equal(c.stats()["upstream_cx_none_healthy"], 1);
});

test("locality weighted balancing splits by locality weight × availability", () => {
  const { m, c } = edsCluster({ common_lb_config: { locality_weighted_lb_config: {} } });
  m.setLoadAssignment({ cluster_name: "p", endpoints: [
    { locality: { zone: "a" }, load_balancing_weight: 1, lb_endpoints: lbEndpoints("10.0.0", 3, 0) },
    { locality: { zone: "b" }, load_balancing_weight: 3, lb_endpoints: lbEndpoints("10.0.1", 1, 0) },
    { locality: { zone: "c" }, lb_endpoints: lbEndpoints("10.0.2", 2, 0) },
  ] });
  const zoneB = share(() => c.pickHost(undefined), 4000, (h) => h.locality.zone === "b");
  assert.ok(zoneB > 0.7 && zoneB < 0.8, `zone b share ${zoneB}`);
  assert.equal(share(() => c.pickHost(undefined), 500, (h) => h.locality.zone === "c"), 0, "no weight, no traffic");
  // half of zone b's hosts unhealthy: its availability is min(1, 1.4 × 0.5) = 0.7
  m.setLoadAssignment({ cluster_name: "p", endpoints: [
    { locality: { zone: "a" }, load_balancing_weight: 1, lb_endpoints: lbEndpoints("10.0.0", 3, 0) },
    { locality: { zone: "b" }, load_balancing_weight: 3, lb_endpoints: lbEndpoints("10.0.1", 1, 1) },
  ] });
  const degradedB = share(() => c.pickHost(undefined), 4000, (h) => h.locality.zone === "b");
  const expected = 2.1 / 3.1;
  assert.ok(Math.abs(degradedB - expected) < 0.05, `zone b share ${degradedB}, expected ${expected}`);
});
