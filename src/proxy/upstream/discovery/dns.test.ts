// STRICT_DNS and LOGICAL_DNS against localhost (resolved from /etc/hosts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClusterManager } from "../cluster-manager.js";
import { systemLookup, type LookupFn } from "./dns.js";

function dnsCluster(name: string, type: string, hosts: string[]) {
  return {
    name, type, dns_refresh_rate: "1s", dns_lookup_family: "V4_ONLY",
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: hosts.map((h) => ({
      endpoint: { address: { socket_address: { address: h, port_value: 9080 } } } })) }] },
  };
}

test("STRICT_DNS resolves localhost and refreshes; a failed lookup keeps the last hosts", async () => {
  let fail = false;
  let lookups = 0;
  const lookup: LookupFn = (name, family) => {
    lookups++;
    return fail ? Promise.reject(new Error("ENOTFOUND")) : systemLookup(name, family);
  };
  const m = new ClusterManager({ timers: false, lookup });
  const c = m.set(dnsCluster("dns", "STRICT_DNS", ["localhost"]));
  assert.equal(c.config.dnsRefreshRateMs, 1000);
  await c.dns?.refresh();
  const h = c.pickHost(undefined);
  assert.equal(h?.address, "127.0.0.1");
  assert.equal(h?.port, 9080);
  assert.equal(c.snapshot().hosts[0]?.hostname, "localhost");
  fail = true;
  await c.dns?.refresh();
  assert.ok(lookups >= 2);
  assert.equal(c.pickHost(undefined), h, "same host object kept after a failed refresh");
  assert.equal(c.stats()["update_failure"], 1);
  fail = false;
  await c.dns?.refresh();
  assert.equal(c.pickHost(undefined), h, "a refresh with the same answer keeps host state");
  m.close();
});

test("STRICT_DNS with its own timer picks hosts up, and the default refresh is 5 s", async () => {
  const m = new ClusterManager();
  const c = m.set({ ...dnsCluster("timed", "STRICT_DNS", ["localhost"]), dns_refresh_rate: undefined });
  assert.equal(c.config.dnsRefreshRateMs, 5000);
  await c.dns?.refresh();
  assert.equal(c.pickHost(undefined)?.address, "127.0.0.1");
  m.close();
});

test("LOGICAL_DNS uses the first address and takes exactly one endpoint", async () => {
  const lookup: LookupFn = async () => [{ address: "127.0.0.2", family: 4 }, { address: "127.0.0.3", family: 4 }];
  const m = new ClusterManager({ timers: false, lookup });
  const c = m.set(dnsCluster("logical", "LOGICAL_DNS", ["svc.example"]));
  await c.dns?.refresh();
  assert.deepEqual(c.allHosts().map((h) => h.address), ["127.0.0.2"]);
  assert.throws(() => m.set(dnsCluster("two", "LOGICAL_DNS", ["a.example", "b.example"])), /exactly one endpoint/);
  m.close();
});
