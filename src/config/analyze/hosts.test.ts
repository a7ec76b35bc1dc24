import { test } from "node:test";
import assert from "node:assert/strict";
import { hostSubsetOf, hostsMatch, toFqdn } from "./hosts.js";

test("short names resolve relative to the namespace", () => {
  assert.equal(toFqdn("reviews", "default"), "reviews.default.svc.cluster.local");
  assert.equal(toFqdn("reviews.prod.svc.cluster.local", "default"), "reviews.prod.svc.cluster.local");
  assert.equal(toFqdn("*", "default"), "*");
});

test("wildcards match as Istio's host names do", () => {
  assert.equal(hostsMatch("*.default.svc.cluster.local", "reviews.default.svc.cluster.local"), true);
  assert.equal(hostsMatch("reviews.default.svc.cluster.local", "*"), true);
  assert.equal(hostsMatch("*.example.com", "*.foo.example.com"), true);
  assert.equal(hostsMatch("a.example.com", "b.example.com"), false);
  assert.equal(hostsMatch("*.prod.svc.cluster.local", "reviews.default.svc.cluster.local"), false);
});

test("subset relation", () => {
  assert.equal(hostSubsetOf("a.example.com", "*.example.com"), true);
  assert.equal(hostSubsetOf("*.example.com", "a.example.com"), false);
  assert.equal(hostSubsetOf("*.a.example.com", "*.example.com"), true);
});
