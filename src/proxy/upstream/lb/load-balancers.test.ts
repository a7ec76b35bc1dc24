// One suite run against every registered load balancing policy.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { HostHealth, UpstreamHost } from "../../contracts.js";
import { DEFAULT_LB_CONFIG, loadBalancerFactory, registeredPolicies, type LoadBalancer } from "./index.js";

function host(i: number, weight = 1, health: HostHealth = "HEALTHY"): UpstreamHost {
  return { address: `10.0.0.${i}`, port: 8080, addressPort: `10.0.0.${i}:8080`, weight, priority: 0, locality: {}, health, activeRequests: 0, ejected: false };
}

/** Deterministic 32-bit pseudo-random keys (an LCG), so hash policies see spread-out hashes. */
function keys(count: number, seed = 7): number[] {
  const out: number[] = [];
  let x = seed >>> 0;
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out.push(x);
  }
  return out;
}

function make(policy: string, hosts: UpstreamHost[], panic = false): LoadBalancer {
  const factory = loadBalancerFactory(policy);
  assert.ok(factory, `policy ${policy} is registered`);
  const lb = factory({ ...DEFAULT_LB_CONFIG });
  lb.update(hosts, panic);
  return lb;
}

function counts(lb: LoadBalancer, picks: number): Map<UpstreamHost, number> {
  const m = new Map<UpstreamHost, number>();
  for (const hash of keys(picks)) {
    const h = lb.pick({ hash });
    assert.ok(h);
    m.set(h, (m.get(h) ?? 0) + 1);
  }
  return m;
}

const POLICIES = ["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH", "MAGLEV"];

test("every Envoy policy is registered", () => {
  for (const p of POLICIES) assert.ok(registeredPolicies().includes(p), p);
});

for (const policy of POLICIES) {
  describe(`load balancer ${policy}`, () => {
    test("spreads picks over equal hosts", () => {
      const hosts = [host(1), host(2), host(3), host(4)];
      const c = counts(make(policy, hosts), 4000);
      for (const h of hosts) {
        const n = c.get(h) ?? 0;
        assert.ok(n > 600 && n < 1400, `${h.address} got ${n} of 4000`);
      }
    });

    test("respects weights", () => {
      const light = host(1, 1);
      const heavy = host(2, 3);
      const c = counts(make(policy, [light, heavy]), 4000);
      const share = (c.get(heavy) ?? 0) / 4000;
      assert.ok(share > 0.65 && share < 0.85, `heavy share ${share}`);
    });

    test("skips unhealthy, draining and ejected hosts", () => {
      const ejected = host(3);
      ejected.ejected = true;
      const good = host(4);
      const lb = make(policy, [host(1, 1, "UNHEALTHY"), host(2, 1, "DRAINING"), ejected, good]);
      for (const hash of keys(200)) assert.equal(lb.pick({ hash }), good);
      assert.equal(lb.size, 1);
    });

    test("in panic uses every host", () => {
      const hosts = [host(1, 1, "UNHEALTHY"), host(2, 1, "UNHEALTHY")];
      assert.equal(make(policy, hosts).pick(undefined), null);
      const seen = new Set(counts(make(policy, hosts, true), 400).keys());
      assert.equal(seen.size, 2);
    });

    test("a reselection attempt (retry host predicate) can reach another host", () => {
      const hosts = [host(1), host(2), host(3)];
      const lb = make(policy, hosts);
      for (const hash of keys(300)) {
        const first = lb.pick({ hash }, 0);
        assert.ok(first);
        let moved = false;
        for (let a = 1; a <= 20 && !moved; a++) moved = lb.pick({ hash }, a) !== first;
        assert.ok(moved, `hash ${hash}: 20 reselections all picked ${first.address}`);
      }
    });

    test("an empty host set picks null", () => {
      const lb = make(policy, []);
      assert.equal(lb.pick(undefined), null);
      assert.equal(lb.pick({ hash: 42 }), null);
    });

    test("follows host set updates", () => {
      const [a, b, c, d] = [host(1), host(2), host(3), host(4)];
      const lb = make(policy, [a, b, c]);
      lb.update([a, b, c, d], false);
      assert.ok(counts(lb, 2000).has(d), "new host receives traffic");
      lb.update([a, c, d], false);
      assert.ok(!counts(lb, 2000).has(b), "removed host receives none");
    });
  });
}

for (const policy of ["RING_HASH", "MAGLEV"]) {
  test(`${policy} is consistent: the same hash picks the same host, adding a host moves ~1/N keys`, () => {
    const hosts = Array.from({ length: 10 }, (_, i) => host(i + 1));
    const lb = make(policy, hosts);
    const sample = keys(20000, 99);
    const before = sample.map((hash) => lb.pick({ hash }));
    assert.deepEqual(sample.slice(0, 50).map((hash) => lb.pick({ hash })), before.slice(0, 50));
    const added = host(11);
    lb.update([...hosts, added], false);
    let moved = 0;
    let movedToNew = 0;
    sample.forEach((hash, i) => {
      const now = lb.pick({ hash });
      if (now !== before[i]) {
        moved++;
        if (now === added) movedToNew++;
      }
    });
    const fraction = moved / sample.length;
    assert.ok(fraction > 0.5 / 11 && fraction < 2 / 11, `moved ${fraction}`);
    // Envoy shrinks every host's share of a fixed-size ring/table, so a few keys also move between
    // old hosts; most movement must still go to the new host
    assert.ok(movedToNew / moved > 0.5, `to new host ${movedToNew}/${moved}`);
  });
}

test("LEAST_REQUEST prefers hosts with fewer active requests", () => {
  const busy = host(1);
  busy.activeRequests = 50;
  const idle = host(2);
  const lb = make("LEAST_REQUEST", [busy, idle]);
  // two choices among two hosts: the busy one wins only when sampled twice (1/4)
  const c = counts(lb, 4000);
  assert.ok((c.get(idle) ?? 0) > 2800, `idle got ${c.get(idle) ?? 0} of 4000`);
});

test("ROUND_ROBIN interleaves weighted hosts smoothly", () => {
  const a = host(1, 2);
  const b = host(2, 1);
  const lb = make("ROUND_ROBIN", [a, b]);
  const seq = Array.from({ length: 9 }, () => (lb.pick(undefined) === a ? "a" : "b")).join("");
  assert.ok(!seq.includes("aaa") && !seq.includes("bb"), seq);
  assert.equal([...seq].filter((x) => x === "a").length, 6);
});
