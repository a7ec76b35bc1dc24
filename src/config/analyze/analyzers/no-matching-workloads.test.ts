import { test } from "node:test";
import assert from "node:assert/strict";
import { noMatchingWorkloadsAnalyzer } from "./no-matching-workloads.js";
import { deployment, res, run } from "./testing.js";

const ap = (labels: Record<string, string> | undefined, ns = "default") => res("AuthorizationPolicy", "allow", labels ? { selector: { matchLabels: labels } } : {}, ns);

test("a selector matching a Deployment's pod template, a selector-less policy, and root-namespace policies", () => {
  const d = deployment("reviews-v1", { app: "reviews", version: "v1" });
  assert.deepEqual(run(noMatchingWorkloadsAnalyzer, [d, ap({ app: "reviews" })]), []);
  assert.deepEqual(run(noMatchingWorkloadsAnalyzer, [ap(undefined)]), []);
  assert.deepEqual(run(noMatchingWorkloadsAnalyzer, [d, ap({ app: "reviews" }, "istio-system")]), []);
});

test("IST0127 when no workload in the namespace matches", () => {
  const d = deployment("reviews-v1", { app: "reviews" }, "prod");
  assert.deepEqual(run(noMatchingWorkloadsAnalyzer, [d, ap({ version: "v9", app: "reviews" })]), [
    "Warning [IST0127] (AuthorizationPolicy default/allow allow.yaml:1) No matching workloads for this resource with the following labels: app=reviews,version=v9",
  ]);
  const pa = res("PeerAuthentication", "strict", { selector: { matchLabels: { app: "nothing" } }, mtls: { mode: "STRICT" } });
  assert.equal(run(noMatchingWorkloadsAnalyzer, [pa]).length, 1);
});
