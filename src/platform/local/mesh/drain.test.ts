import { test } from "node:test";
import assert from "node:assert/strict";
import { proxyDrainSeconds, withProxyDrain } from "./drain.js";

const annotated = (config: string): Record<string, string> => ({ "proxy.istio.io/config": config });

test("a pod's proxy drains for its terminationDrainDuration, else the mesh's, else 5s, in whole seconds rounded up", () => {
  assert.equal(proxyDrainSeconds(undefined), 5);
  assert.equal(proxyDrainSeconds({ terminationDrainDuration: "12s" }), 12);
  assert.equal(proxyDrainSeconds({ terminationDrainDuration: "12s" }, annotated("terminationDrainDuration: 1500ms")), 2);
  assert.equal(proxyDrainSeconds(undefined, annotated("terminationDrainDuration: 0s")), 0);
  assert.equal(proxyDrainSeconds(undefined, annotated("terminationDrainDuration: 3h")), 3600, "capped at --drain-time-s's maximum");
  assert.equal(proxyDrainSeconds({ terminationDrainDuration: "9s" }, annotated("not: [yaml")), 9, "an unreadable annotation leaves the mesh's");
});

test("the platform waits for the drain before it kills the proxy container", () => {
  const spec = withProxyDrain({ name: "istio-proxy", argv: ["node"], env: { A: "1" } }, undefined, annotated("terminationDrainDuration: 20s"));
  assert.deepEqual(spec.env, { A: "1", MIZZEN_DRAIN_S: "20" });
  assert.ok((spec.stopGraceMs ?? 0) > 20_000, `grace ${spec.stopGraceMs} ms`);
});
