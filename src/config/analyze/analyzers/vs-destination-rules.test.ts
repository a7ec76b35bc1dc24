import { test } from "node:test";
import assert from "node:assert/strict";
import { vsDestinationRuleAnalyzer } from "./vs-destination-rules.js";
import { res, run } from "./testing.js";

const dr = res("DestinationRule", "reviews", { host: "reviews", subsets: [{ name: "v1", labels: { version: "v1" } }] });
const vs = (subset: string, host = "reviews") => res("VirtualService", "reviews", { hosts: ["reviews"], http: [{ route: [{ destination: { host, subset } }] }] });

test("a subset defined by a DestinationRule for the same host is fine, by short or full name", () => {
  assert.deepEqual(run(vsDestinationRuleAnalyzer, [dr, vs("v1")]), []);
  assert.deepEqual(run(vsDestinationRuleAnalyzer, [dr, vs("v1", "reviews.default.svc.cluster.local")]), []);
});

test("IST0101 for an undefined subset", () => {
  assert.deepEqual(run(vsDestinationRuleAnalyzer, [dr, vs("v3")]), [
    'Error [IST0101] (VirtualService default/reviews reviews.yaml:1) Referenced host+subset in destinationrule not found: "reviews+v3"',
  ]);
  assert.equal(run(vsDestinationRuleAnalyzer, [vs("v1")]).length, 1);
});

test("a wildcard DestinationRule host provides its subsets to the services it covers", () => {
  const wildcard = res("DestinationRule", "all", { host: "*.default.svc.cluster.local", subsets: [{ name: "v3", labels: { version: "v3" } }] });
  assert.deepEqual(run(vsDestinationRuleAnalyzer, [wildcard, vs("v3")]), []);
  const elsewhere = res("DestinationRule", "all", { host: "*.prod.svc.cluster.local", subsets: [{ name: "v3", labels: { version: "v3" } }] });
  assert.equal(run(vsDestinationRuleAnalyzer, [elsewhere, vs("v3")]).length, 1);
});
