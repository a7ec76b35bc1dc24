// What a sidecar sees: exportTo, Sidecar egress hosts, outbound traffic policy, and which
// DestinationRule applies (Istio's namespace precedence).
import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultMeshConfig } from "../src/config/mesh/index.js";
import { BOOKINFO, bookinfo, storeFrom, TestMesh } from "../src/pilot/testing/bookinfo.js";
import { assertValidEnvoy } from "../src/pilot/testing/valid-envoy.js";

const OTHER_NS = `apiVersion: v1
kind: Service
metadata: { name: backend, namespace: team-a, annotations: { networking.istio.io/exportTo: "." } }
spec:
  clusterIP: 10.96.1.1
  selector: { app: backend }
  ports: [{ name: http, port: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: shared, namespace: team-a }
spec:
  clusterIP: 10.96.1.2
  selector: { app: shared }
  ports: [{ name: http-api, port: 8080 }]
`;

test("exportTo '.' hides a service from other namespaces", () => {
  const mesh = bookinfo(OTHER_NS);
  const sim = mesh.simulator(mesh.sidecar("default", "productpage-v1"));
  const clusters = sim.resources.clusters.map((c) => c["name"]);
  assert.ok(!clusters.includes("outbound|8080||backend.team-a.svc.cluster.local"));
  assert.ok(clusters.includes("outbound|8080||shared.team-a.svc.cluster.local"));
  assert.equal(sim.run({ address: "10.96.1.1", port: 8080, host: "backend.team-a:8080" }).cluster, "PassthroughCluster");
  assert.equal(sim.run({ address: "10.96.1.2", port: 8080, host: "shared.team-a:8080" }).cluster, "outbound|8080||shared.team-a.svc.cluster.local");
});

test("Sidecar egress hosts limit the services a proxy sees", () => {
  const sidecar = `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default, namespace: default }
spec:
  egress: [{ hosts: ["./ratings.default.svc.cluster.local", "istio-system/*"] }]
`;
  const mesh = bookinfo(OTHER_NS, sidecar);
  const res = mesh.resources(mesh.sidecar("default", "reviews-v2"));
  assertValidEnvoy(res);
  const outbound = res.clusters.map((c) => String(c["name"])).filter((n) => n.startsWith("outbound|"));
  assert.deepEqual(outbound, ["outbound|9080||ratings.default.svc.cluster.local"]);
  const sim = mesh.simulator(mesh.sidecar("default", "reviews-v2"));
  assert.equal(sim.run({ address: "10.96.0.13", port: 9080, host: "ratings:9080" }).cluster, "outbound|9080||ratings.default.svc.cluster.local");
  assert.equal(sim.run({ address: "10.96.0.11", port: 9080, host: "details:9080" }).cluster, "PassthroughCluster");
});

test("REGISTRY_ONLY: unknown HTTP hosts get 502 from block_all, other TCP goes to the BlackHoleCluster", () => {
  const mc = defaultMeshConfig();
  mc.outboundTrafficPolicy = { mode: "REGISTRY_ONLY" };
  const mesh = new TestMesh(storeFrom(BOOKINFO), mc);
  const sim = mesh.simulator(mesh.sidecar("default", "productpage-v1"));
  const http = sim.run({ address: "93.184.216.34", port: 9080, host: "example.com" });
  assert.equal(http.virtualHost, "block_all");
  assert.equal(http.directResponse?.status, 502);
  const tcp = sim.run({ address: "93.184.216.34", port: 443, protocol: "tls", sni: "example.com" });
  assert.equal(tcp.listener, "virtualOutbound");
  assert.equal(tcp.cluster, "BlackHoleCluster");
  assert.equal(sim.run({ address: "10.96.0.11", port: 9080, host: "details:9080" }).cluster, "outbound|9080||details.default.svc.cluster.local");
});

test("a Sidecar's outboundTrafficPolicy overrides the mesh's", () => {
  const sidecar = `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default, namespace: default }
spec:
  outboundTrafficPolicy: { mode: REGISTRY_ONLY }
`;
  const mesh = bookinfo(sidecar);
  const sim = mesh.simulator(mesh.sidecar("default", "productpage-v1"));
  assert.equal(sim.run({ address: "198.51.100.7", port: 5432, protocol: "tcp" }).cluster, "BlackHoleCluster");
});

function dr(ns: string, host: string, lb: string, extra = ""): string {
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews-${ns}, namespace: ${ns} }
spec:
  host: "${host}"
  trafficPolicy: { loadBalancer: { simple: ${lb} } }
${extra}`;
}

const lbOf = (mesh: TestMesh, ns: string, pod: string): unknown =>
  mesh.resources(mesh.sidecar(ns, pod)).clusters.find((c) => c["name"] === "outbound|9080||reviews.default.svc.cluster.local")?.["lb_policy"];

test("DestinationRule precedence: the proxy's namespace, then the service's, then the root namespace", () => {
  const client = `apiVersion: v1
kind: Pod
metadata: { name: client, namespace: team-b, labels: { app: client } }
spec: { containers: [{ name: c, image: c }] }
status: { podIP: 10.2.0.5 }
`;
  const root = dr("istio-system", "reviews.default.svc.cluster.local", "RANDOM");
  const svcNs = dr("default", "reviews", "ROUND_ROBIN");
  const clientNs = dr("team-b", "reviews.default.svc.cluster.local", "LEAST_REQUEST", "  exportTo: [\".\"]\n");
  assert.equal(lbOf(bookinfo(client, root), "team-b", "client"), "RANDOM");
  assert.equal(lbOf(bookinfo(client, root, svcNs), "team-b", "client"), "ROUND_ROBIN");
  const all = bookinfo(client, root, svcNs, clientNs.replace("LEAST_REQUEST", "RANDOM"));
  assert.equal(lbOf(all, "team-b", "client"), "RANDOM", "the client namespace's own rule wins");
  assert.equal(lbOf(all, "default", "productpage-v1"), "ROUND_ROBIN", "a rule exported only to team-b does not apply elsewhere");
});

test("within a namespace the exact host beats a wildcard", () => {
  const wildcard = dr("default", "*.default.svc.cluster.local", "RANDOM").replace("reviews-default", "wild");
  const exact = dr("default", "reviews", "ROUND_ROBIN");
  assert.equal(lbOf(bookinfo(wildcard, exact), "default", "productpage-v1"), "ROUND_ROBIN");
  assert.equal(lbOf(bookinfo(wildcard), "default", "productpage-v1"), "RANDOM");
});

test("Sidecar egress with a port and captureMode NONE: a bound listener for the entry's hosts", () => {
  const sidecar = `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: reviews, namespace: default }
spec:
  workloadSelector: { labels: { app: reviews } }
  egress:
  - port: { number: 9080, protocol: HTTP, name: http-ratings }
    captureMode: NONE
    hosts: ["./ratings.default.svc.cluster.local"]
  - port: { number: 27017, protocol: TCP, name: tcp-db }
    bind: 127.0.0.2
    captureMode: NONE
    hosts: ["./details.default.svc.cluster.local"]
  - hosts: ["./*"]
`;
  const mesh = bookinfo(sidecar);
  const res = mesh.resources(mesh.sidecar("default", "reviews-v1"));
  assertValidEnvoy(res);
  const sim = mesh.simulator(mesh.sidecar("default", "reviews-v1"));
  const r = sim.run({ address: "127.0.0.1", port: 9080, host: "ratings:9080" });
  assert.equal(r.listener, "127.0.0.1_9080");
  assert.equal(r.routeConfig, "egress_9080");
  assert.equal(r.cluster, "outbound|9080||ratings.default.svc.cluster.local");
  assert.equal(sim.run({ address: "127.0.0.1", port: 9080, host: "details:9080" }).cluster, "PassthroughCluster", "only the entry's hosts are routed there");
  assert.equal(sim.run({ address: "127.0.0.2", port: 27017, protocol: "tcp" }).listener, "127.0.0.2_27017");
  assert.equal(sim.run({ address: "10.96.0.11", port: 9080, host: "details:9080" }).cluster, "outbound|9080||details.default.svc.cluster.local", "captured traffic still uses the generated listeners");
});
