import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeText } from "../../decode/index.js";

function decode(lb: string): string[] {
  const r = decodeText(
    `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: d}\nspec:\n  host: d\n  trafficPolicy:\n    outlierDetection: {consecutive5xxErrors: 5}\n    loadBalancer:\n      localityLbSetting:\n${lb}`,
    "l.yaml",
  );
  return r.diagnostics.map((d) => `${d.path ?? ""}: ${d.message}`);
}

test("locality distribution: valid weights and localities pass", () => {
  assert.deepEqual(decode(`        distribute:\n        - from: us-west/zone1/*\n          to: {"us-west/zone1/*": 80, "us-west/zone2/*": 20}\n        - from: us-east/*\n          to: {"us-east/*": 100}\n`), []);
});

test("locality wildcards in the middle, empty parts and overlaps are errors", () => {
  const out = decode(`        distribute:\n        - from: "us-*/zone1"\n          to: {"us-west//a": 50, "us-west/*": 25, "us-west/zone2": 25}\n`);
  assert.ok(out.some((m) => m.includes("wildcard '*' may appear once, at the end")), out.join("\n"));
  assert.ok(out.some((m) => m.includes("must not contain empty region/zone/subzone")), out.join("\n"));
  assert.ok(out.some((m) => m.includes("locality us-west/zone2 overlaps")), out.join("\n"));
});

test("failover with topology labels in failoverPriority is an error; failover needs distinct regions", () => {
  const out = decode(`        failover:\n        - {from: us-east, to: us-east}\n        failoverPriority: [topology.kubernetes.io/zone]\n`);
  assert.ok(out.some((m) => m.startsWith("spec.trafficPolicy.loadBalancer.localityLbSetting.failoverPriority[0]: cannot set both failover")), out.join("\n"));
  assert.ok(out.some((m) => m.includes("must specify different regions")), out.join("\n"));
});

test("Sidecar egress hosts already covered by another entry warn", () => {
  const r = decodeText(`apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: s, namespace: prod}\nspec:\n  egress:\n  - hosts: ["prod/*", "./reviews.prod.svc.cluster.local", "*/*"]\n`, "s.yaml");
  assert.equal(r.resources.length, 1);
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.severity} ${d.path ?? ""}`),
    ["warning spec.egress[0].hosts[1]", "warning spec.egress[0].hosts"],
  );
});
