import { test } from "node:test";
import assert from "node:assert/strict";
import { sidecarDefaultSelectorAnalyzer } from "./sidecar-default-selector.js";
import { res, run } from "./testing.js";

test("one selector-less sidecar per namespace is fine", () => {
  assert.deepEqual(run(sidecarDefaultSelectorAnalyzer, [res("Sidecar", "a", {}), res("Sidecar", "b", {}, "prod"), res("Sidecar", "c", { workloadSelector: { labels: { app: "x" } } })]), []);
});

test("IST0111 when two sidecars in a namespace have no selector", () => {
  assert.deepEqual(run(sidecarDefaultSelectorAnalyzer, [res("Sidecar", "a", {}), res("Sidecar", "b", {})]), [
    'Error [IST0111] (Sidecar default/a a.yaml:1) The Sidecars [a b] in namespace "default" have no workload selector, which can lead to undefined behavior.',
    'Error [IST0111] (Sidecar default/b b.yaml:1) The Sidecars [a b] in namespace "default" have no workload selector, which can lead to undefined behavior.',
  ]);
});
