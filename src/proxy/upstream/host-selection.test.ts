// Host selection with a retry host predicate (previous_hosts) and
// host_selection_retry_max_attempts, as Envoy: the balancer picks, a pick of a host to avoid is
// made again up to N more times, then the last pick is used.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { EnvoyJson, UpstreamHost } from "../contracts.js";
import { ClusterManager } from "./cluster-manager.js";

function twoHostCluster(lbPolicy: string): EnvoyJson {
  const ep = (ip: string): EnvoyJson => ({ endpoint: { address: { socket_address: { address: ip, port_value: 80 } } } });
  return {
    name: "pair", type: "STATIC", lb_policy: lbPolicy,
    load_assignment: { cluster_name: "pair", endpoints: [{ lb_endpoints: [ep("10.0.0.1"), ep("10.0.0.2")] }] },
  };
}

function cluster(lbPolicy: string) {
  const m = new ClusterManager({ timers: false, clock: { now: () => 0 } });
  const c = m.set(twoHostCluster(lbPolicy));
  const [a, b] = c.allHosts();
  assert.ok(a && b);
  return { c, a, b };
}

test("ROUND_ROBIN, no reselection (0): the balancer's pick stands even when it is a previous host", () => {
  const { c, a } = cluster("ROUND_ROBIN");
  const avoid = new Set<UpstreamHost>([a]);
  const picks = new Set<UpstreamHost | null>();
  for (let i = 0; i < 10; i++) picks.add(c.pickHost({ avoid, hostSelectionRetries: 0 }));
  assert.ok(picks.has(a), "every other pick is the avoided host");
});

test("ROUND_ROBIN, one reselection (Envoy's default): the previous host is never used again", () => {
  const { c, a, b } = cluster("ROUND_ROBIN");
  const avoid = new Set<UpstreamHost>([a]);
  for (let i = 0; i < 10; i++) assert.equal(c.pickHost({ avoid, hostSelectionRetries: 1 }), b);
  for (let i = 0; i < 10; i++) assert.equal(c.pickHost({ avoid }), b, "default is one reselection");
});

test("every host tried: after the reselections the last pick is used, not null", () => {
  const { c, a, b } = cluster("ROUND_ROBIN");
  const avoid = new Set<UpstreamHost>([a, b]);
  // Round robin alternates x, y, x, y: after a plain pick of x, the call picks y (to avoid), then
  // x again (to avoid, and the last pick allowed), and uses x.
  const x = c.pickHost(undefined);
  assert.ok(x);
  assert.equal(c.pickHost({ avoid, hostSelectionRetries: 1 }), x);
  assert.ok(c.pickHost({ avoid, hostSelectionRetries: 4 }) !== null, "never null while hosts exist");
});

test("RANDOM: the reselection limit bounds how often a previous host is picked again", () => {
  const { c, a } = cluster("RANDOM");
  const avoid = new Set<UpstreamHost>([a]);
  const rate = (retries: number): number => {
    let hits = 0;
    for (let i = 0; i < 4000; i++) if (c.pickHost({ avoid, hostSelectionRetries: retries }) === a) hits++;
    return hits / 4000;
  };
  const none = rate(0);
  const one = rate(1);
  const many = rate(12);
  assert.ok(none > 0.4 && none < 0.6, `no reselection: ~1/2 of picks are the previous host (${none})`);
  assert.ok(one > 0.17 && one < 0.33, `one reselection: ~1/4 (${one})`);
  assert.ok(many < 0.01, `twelve reselections: ~1/8192 (${many})`);
});

test("RING_HASH: a reselection walks the ring away from the hashed host", () => {
  const { c } = cluster("RING_HASH");
  let moved = 0;
  for (let k = 0; k < 200; k++) {
    const hash = Math.imul(k + 1, 2654435761) >>> 0;
    const h = c.pickHost({ hash });
    assert.ok(h);
    assert.equal(c.pickHost({ hash }), h, "the same hash picks the same host");
    if (c.pickHost({ hash, avoid: new Set([h]), hostSelectionRetries: 50 }) !== h) moved++;
  }
  assert.equal(moved, 200);
});
