import { test } from "node:test";
import assert from "node:assert/strict";
import { sidecarSelectorAnalyzer } from "./sidecar-selector.js";
import { deployment, res, run } from "./testing.js";

const sidecar = (name: string, labels?: Record<string, string>) => res("Sidecar", name, labels ? { workloadSelector: { labels } } : {});

test("sidecars selecting different workloads are fine", () => {
  const pods = [deployment("reviews-v1", { app: "reviews", version: "v1" }), deployment("ratings-v1", { app: "ratings" })];
  assert.deepEqual(run(sidecarSelectorAnalyzer, [...pods, sidecar("a", { app: "reviews" }), sidecar("b", { app: "ratings" })]), []);
});

test("IST0110 when two sidecars select the same workload", () => {
  const pods = [deployment("reviews-v1", { app: "reviews", version: "v1" })];
  assert.deepEqual(run(sidecarSelectorAnalyzer, [...pods, sidecar("a", { app: "reviews" }), sidecar("b", { version: "v1" })]), [
    'Error [IST0110] (Sidecar default/a a.yaml:1) The Sidecars [a b] in namespace "default" select the same workload pod "default/reviews-v1", which can lead to undefined behavior.',
    'Error [IST0110] (Sidecar default/b b.yaml:1) The Sidecars [a b] in namespace "default" select the same workload pod "default/reviews-v1", which can lead to undefined behavior.',
  ]);
});
