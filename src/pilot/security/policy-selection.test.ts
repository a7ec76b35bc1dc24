import { test } from "node:test";
import assert from "node:assert/strict";
import { policyApplies } from "./policy-selection.js";

const ROOT = "istio-system";
const w = { namespace: "foo", labels: { app: "httpbin", version: "v1" }, services: [{ name: "httpbin", namespace: "foo" }], gateways: [] };

test("root namespace: mesh-wide without selector, every namespace's matching workloads with one", () => {
  assert.equal(policyApplies({}, ROOT, w, ROOT), true);
  assert.equal(policyApplies({ selector: { matchLabels: { app: "httpbin" } } }, ROOT, w, ROOT), true);
  assert.equal(policyApplies({ selector: { matchLabels: { app: "other" } } }, ROOT, w, ROOT), false);
});

test("namespace policies stay in their namespace; selectors need every label", () => {
  assert.equal(policyApplies({}, "foo", w, ROOT), true);
  assert.equal(policyApplies({}, "bar", w, ROOT), false);
  assert.equal(policyApplies({ selector: { matchLabels: { app: "httpbin", version: "v1" } } }, "foo", w, ROOT), true);
  assert.equal(policyApplies({ selector: { matchLabels: { app: "httpbin", version: "v2" } } }, "foo", w, ROOT), false);
  assert.equal(policyApplies({ selector: { matchLabels: { app: "httpbin" } } }, "bar", w, ROOT), false);
});

test("targetRef/targetRefs pick the workload through its Service; a Gateway ref misses a sidecar", () => {
  assert.equal(policyApplies({ targetRef: { kind: "Service", group: "", name: "httpbin" } }, "foo", w, ROOT), true);
  assert.equal(policyApplies({ targetRefs: [{ kind: "Service", name: "nope" }, { kind: "Service", name: "httpbin", namespace: "foo" }] }, "bar", w, ROOT), true);
  assert.equal(policyApplies({ targetRef: { kind: "Service", name: "httpbin" } }, "bar", w, ROOT), false);
  assert.equal(policyApplies({ targetRef: { kind: "Gateway", group: "gateway.networking.k8s.io", name: "httpbin" } }, "foo", w, ROOT), false);
});
