import { test } from "node:test";
import assert from "node:assert/strict";
import { AnalysisContext, exportedTo } from "./context.js";
import { deployment, res, service } from "./analyzers/testing.js";

test("destination hosts resolve to Services by short or full name in the right namespace", () => {
  const ctx = new AnalysisContext([service("reviews", [{ name: "http", port: 9080 }], { app: "reviews" }, "prod")]);
  assert.deepEqual(ctx.resolveHost("reviews", "prod")?.ports, [9080]);
  assert.deepEqual(ctx.resolveHost("reviews.prod.svc.cluster.local", "default")?.ports, [9080]);
  assert.equal(ctx.resolveHost("reviews", "default"), undefined);
});

test("ServiceEntry hosts resolve, wildcards included, subject to exportTo", () => {
  const se = res("ServiceEntry", "ext", { hosts: ["*.example.com"], ports: [{ number: 443, name: "https", protocol: "HTTPS" }], exportTo: ["."] }, "egress");
  const ctx = new AnalysisContext([se]);
  assert.deepEqual(ctx.resolveHost("api.example.com", "egress")?.ports, [443]);
  assert.equal(ctx.resolveHost("api.example.com", "default"), undefined);
  assert.equal(ctx.resolveHost("api.example.org", "egress"), undefined);
});

test("workloads come from Pods and Deployment pod templates", () => {
  const pod = { ...res("Pod", "standalone", {}), metadata: { name: "standalone", namespace: "default", labels: { app: "x" } } };
  const ctx = new AnalysisContext([pod, deployment("reviews-v1", { app: "reviews" }, "prod")]);
  assert.deepEqual(
    ctx.workloads().map((w) => [w.name, w.labels]),
    [
      ["default/standalone", { app: "x" }],
      ["prod/reviews-v1", { app: "reviews" }],
    ],
  );
});

test("exportTo follows Istio: unset or * is public, . is the own namespace", () => {
  assert.equal(exportedTo(undefined, "a", "b"), true);
  assert.equal(exportedTo(["*"], "a", "b"), true);
  assert.equal(exportedTo(["."], "a", "b"), false);
  assert.equal(exportedTo(["."], "a", "a"), true);
  assert.equal(exportedTo(["b"], "a", "b"), true);
});
