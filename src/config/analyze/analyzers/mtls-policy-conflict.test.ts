import { test } from "node:test";
import assert from "node:assert/strict";
import { mtlsPolicyConflictAnalyzer } from "./mtls-policy-conflict.js";
import { deployment, res, run, service } from "./testing.js";

const svc = service("reviews", [{ name: "http", port: 9080 }]);
const pods = deployment("reviews-v1", { app: "reviews", version: "v1" });
const dr = (mode: string, host = "reviews") => res("DestinationRule", "reviews", { host, trafficPolicy: { tls: { mode } } });
const pa = (mode: string, ns = "default", selector?: Record<string, string>) =>
  res("PeerAuthentication", "default", { ...(selector ? { selector: { matchLabels: selector } } : {}), mtls: { mode } }, ns);

test("ISTIO_MUTUAL with STRICT, or DISABLE with PERMISSIVE, do not conflict", () => {
  assert.deepEqual(run(mtlsPolicyConflictAnalyzer, [svc, pods, dr("ISTIO_MUTUAL"), pa("STRICT")]), []);
  assert.deepEqual(run(mtlsPolicyConflictAnalyzer, [svc, pods, dr("DISABLE"), pa("PERMISSIVE")]), []);
  // A workload-level PERMISSIVE policy overrides a STRICT namespace policy.
  const wl = { ...pa("PERMISSIVE", "default", { app: "reviews" }), metadata: { name: "reviews", namespace: "default" } };
  assert.deepEqual(run(mtlsPolicyConflictAnalyzer, [svc, pods, dr("DISABLE"), pa("STRICT"), wl]), []);
});

test("IST0113 for DISABLE or SIMPLE against STRICT (namespace or mesh-wide)", () => {
  const expected =
    'Error [IST0113] (DestinationRule default/reviews reviews.yaml:1) A DestinationRule and Policy are in conflict with regards to mTLS for host reviews.default.svc.cluster.local. The DestinationRule "default/reviews" specifies that mTLS must be false but the Policy object "default/default" specifies STRICT.';
  assert.deepEqual(run(mtlsPolicyConflictAnalyzer, [svc, pods, dr("DISABLE"), pa("STRICT")]), [expected]);
  const mesh = run(mtlsPolicyConflictAnalyzer, [svc, pods, dr("SIMPLE", "*.default.svc.cluster.local"), pa("STRICT", "istio-system")]);
  assert.equal(mesh.length, 1);
  assert.match(mesh[0] ?? "", /Policy object "istio-system\/default" specifies STRICT/);
});
