// The repository's Bookinfo samples (samples/bookinfo), as a user would apply them: the platform
// manifests with Deployment replicas given addresses, then each networking sample in turn.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Deployment } from "../src/config/kinds/core/index.js";
import { applyYaml, storeFrom, TestMesh } from "../src/pilot/testing/bookinfo.js";
import { assertValidEnvoy } from "../src/pilot/testing/valid-envoy.js";
import { workloadsFromDeployment } from "../src/registry/index.js";

// Compiled to dist/test/, so the repository root is two levels up.
const SAMPLES = fileURLToPath(new URL("../../samples/bookinfo/", import.meta.url));
const read = (rel: string): string => readFileSync(join(SAMPLES, rel), "utf8");

function samplesMesh(...networking: string[]): TestMesh {
  const mesh = new TestMesh(storeFrom(read("platform/bookinfo.yaml")));
  let n = 10;
  for (const d of mesh.store.list("Deployment") as unknown as Deployment[]) {
    for (const w of workloadsFromDeployment(d, [`10.8.0.${n++}`])) mesh.registry.upsertWorkload(w);
  }
  for (const f of networking) applyYaml(mesh.store, read(`networking/${f}`), f);
  return mesh;
}

function productpage(mesh: TestMesh) {
  const pod = mesh.registry.snapshot().workloads.find((w) => w.labels["app"] === "productpage");
  assert.ok(pod, "the productpage Deployment has a pod");
  const proxy = mesh.sidecar(pod.namespace, pod.name);
  assertValidEnvoy(mesh.resources(proxy));
  return mesh.simulator(proxy);
}

const reviews = (subset: string): string => `outbound|9080|${subset}|reviews.default.svc.cluster.local`;
const call = (host: string, headers: Record<string, string> = {}) => ({ port: 9080, host, headers, address: "0.0.0.0" });

test("virtual-service-all-v1 sends every call to v1", () => {
  const sim = productpage(samplesMesh("destination-rule-all.yaml", "virtual-service-all-v1.yaml"));
  assert.equal(sim.run(call("reviews:9080", { "end-user": "jason" })).cluster, reviews("v1"));
  assert.equal(sim.run(call("ratings:9080")).cluster, "outbound|9080|v1|ratings.default.svc.cluster.local");
});

test("virtual-service-reviews-jason-v2-v3 and reviews-80-20", () => {
  const jason = productpage(samplesMesh("destination-rule-all.yaml", "virtual-service-reviews-jason-v2-v3.yaml"));
  assert.equal(jason.run(call("reviews:9080", { "end-user": "jason" })).cluster, reviews("v2"));
  assert.equal(jason.run(call("reviews:9080")).cluster, reviews("v3"));
  const split = productpage(samplesMesh("destination-rule-all.yaml", "virtual-service-reviews-80-20.yaml"));
  assert.deepEqual(split.run(call("reviews:9080")).weightedClusters?.map((w) => w.weight), [80, 20]);
});

test("ratings-test-abort faults jason's calls only", () => {
  const mesh = samplesMesh("destination-rule-all.yaml", "virtual-service-ratings-test-abort.yaml");
  const pod = mesh.registry.snapshot().workloads.find((w) => w.labels["app"] === "reviews" && w.labels["version"] === "v2");
  assert.ok(pod);
  const sim = mesh.simulator(mesh.sidecar(pod.namespace, pod.name));
  const faulted = sim.run(call("ratings:9080", { "end-user": "jason" })).routeJson?.["typed_per_filter_config"];
  assert.match(JSON.stringify(faulted), /"http_status":500/);
  assert.equal(sim.run(call("ratings:9080")).routeJson?.["typed_per_filter_config"], undefined);
});

test("bookinfo-gateway routes /productpage at the ingress gateway; destination-rule-all-mtls sets ISTIO_MUTUAL", () => {
  const mesh = samplesMesh("bookinfo-gateway.yaml", "destination-rule-all-mtls.yaml");
  const gw = mesh.gateway("istio-system", "istio-ingressgateway-0", "10.8.1.1", { istio: "ingressgateway" });
  const res = mesh.resources(gw);
  assertValidEnvoy(res);
  const sim = mesh.simulator(gw);
  assert.equal(sim.run({ port: 80, host: "bookinfo.example", path: "/productpage" }).cluster, "outbound|9080||productpage.default.svc.cluster.local");
  assert.equal(sim.run({ port: 80, host: "bookinfo.example", path: "/api/v1/products/1" }).cluster, "outbound|9080||productpage.default.svc.cluster.local");
  const cluster = res.clusters.find((c) => c["name"] === "outbound|9080|v1|productpage.default.svc.cluster.local");
  assert.match(JSON.stringify(cluster?.["transport_socket"]), /"ROOTCA"/);
});
