import { test } from "node:test";
import assert from "node:assert/strict";
import { unreachableRules, unreachableRulesAnalyzer } from "./unreachable-rules.js";
import { res, run } from "./testing.js";

const route = { route: [{ destination: { host: "reviews" } }] };

test("distinct matches followed by one catch-all are all reachable", () => {
  assert.deepEqual(unreachableRules([{ match: [{ headers: { end_user: { exact: "jason" } } }], ...route }, route]), []);
});

test("a second rule without matches, a rule after a catch-all, and repeated matches are unreachable", () => {
  assert.deepEqual(unreachableRules([route, route]), [{ ruleno: "#1", reason: "only the last rule can have no matches" }]);
  assert.deepEqual(unreachableRules([route, { name: "late", match: [{ uri: { prefix: "/" } }], ...route }]), [
    { ruleno: '"late"', reason: "route without matches defined before" },
  ]);
  const m = { headers: { end_user: { exact: "jason" } }, name: "first" };
  assert.deepEqual(unreachableRules([{ match: [m], ...route }, { match: [{ ...m, name: "other" }], ...route }]), [
    { ruleno: "#1", reason: "all matches used by prior rules" },
  ]);
});

test("IST0130 as istioctl prints it", () => {
  const vs = res("VirtualService", "reviews", { hosts: ["reviews"], http: [route, route] });
  assert.deepEqual(run(unreachableRulesAnalyzer, [vs]), [
    "Warning [IST0130] (VirtualService default/reviews reviews.yaml:1) VirtualService rule #1 not used (only the last rule can have no matches).",
  ]);
});
