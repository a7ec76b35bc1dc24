import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DnsTable } from "./dns-table.js";
import { nameserverFromResolvConf } from "./upstream.js";

describe("DnsTable", () => {
  const t = new DnsTable({ namespace: "bookinfo", hosts: { "reviews.bookinfo.svc.cluster.local": ["10.0.0.1"], "db.other.svc.cluster.local": ["10.0.0.2"], "mongo.example.com": ["240.240.0.3"] } });
  it("maps the pod namespace's short names and other namespaces' qualified names", () => {
    assert.deepEqual(t.lookup("reviews"), { kind: "answer", addresses: ["10.0.0.1"] });
    assert.deepEqual(t.lookup("db.other"), { kind: "answer", addresses: ["10.0.0.2"] });
    assert.deepEqual(t.lookup("db"), { kind: "forward" });
    assert.deepEqual(t.lookup("db.bookinfo.svc.cluster.local"), { kind: "nxdomain" });
  });
  it("forwards names outside the cluster domain and NXDOMAINs inside it", () => {
    assert.deepEqual(t.lookup("google.com"), { kind: "forward" });
    assert.deepEqual(t.lookup("cluster.local"), { kind: "nxdomain" });
    assert.deepEqual(t.lookup("mongo.example.com."), { kind: "answer", addresses: ["240.240.0.3"] });
  });
  it("honours another cluster domain", () => {
    const d = new DnsTable({ namespace: "a", domain: "corp.internal", hosts: { "x.a.svc.corp.internal": ["10.1.1.1"] } });
    assert.deepEqual(d.lookup("x"), { kind: "answer", addresses: ["10.1.1.1"] });
    assert.deepEqual(d.lookup("y.a.svc.corp.internal"), { kind: "nxdomain" });
  });
  it("reads the first nameserver of resolv.conf", () => {
    assert.deepEqual(nameserverFromResolvConf("# c\nsearch x\nnameserver 10.0.0.53\nnameserver 8.8.8.8\n"), { address: "10.0.0.53", port: 53 });
    assert.equal(nameserverFromResolvConf("nameserver bogus\n"), undefined);
  });
});
