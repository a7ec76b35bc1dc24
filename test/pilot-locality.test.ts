// Locality load balancing on endpoints relative to the calling proxy's locality, with workloads
// the platform adds at run time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { storeFrom, TestMesh } from "../src/pilot/testing/bookinfo.js";
import { assertValidEnvoy } from "../src/pilot/testing/valid-envoy.js";

const GEO = `apiVersion: v1
kind: Service
metadata: { name: geo, namespace: default }
spec:
  clusterIP: 10.96.5.5
  selector: { app: geo }
  ports: [{ name: http, port: 8080 }]
`;

function geoMesh(dr: string): TestMesh {
  const mesh = new TestMesh(storeFrom(GEO, dr));
  const add = (name: string, address: string, locality: string, app = "geo"): void =>
    mesh.registry.upsertWorkload({ name, namespace: "default", address, labels: { app }, locality });
  add("client", "10.7.0.1", "us-east/1a/r1", "client");
  add("geo-a", "10.7.0.2", "us-east/1a/r1");
  add("geo-b", "10.7.0.3", "us-east/1b/r1");
  add("geo-c", "10.7.0.4", "us-west/2a/r1");
  add("geo-d", "10.7.0.5", "eu-west/3a/r1");
  return mesh;
}

function assignment(mesh: TestMesh): { locality: string; priority: number; weight: number | undefined; addrs: string[] }[] {
  const proxy = mesh.sidecar("default", "client");
  assert.equal(proxy.locality, "us-east/1a/r1");
  const res = mesh.resources(proxy);
  assertValidEnvoy(res);
  const cla = res.endpoints.find((e) => e["cluster_name"] === "outbound|8080||geo.default.svc.cluster.local");
  const groups = (cla?.["endpoints"] ?? []) as { locality?: { region?: string; zone?: string }; priority?: number; load_balancing_weight?: number; lb_endpoints: { endpoint: { address: { socket_address: { address: string } } } }[] }[];
  return groups.map((g) => ({
    locality: `${g.locality?.region ?? ""}/${g.locality?.zone ?? ""}`,
    priority: g.priority ?? 0,
    weight: g.load_balancing_weight,
    addrs: g.lb_endpoints.map((e) => e.endpoint.address.socket_address.address),
  }));
}

test("with outlier detection, endpoints fail over by locality: zone, region, the failover region, the rest", () => {
  const mesh = geoMesh(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: geo, namespace: default }
spec:
  host: geo
  trafficPolicy:
    outlierDetection: { consecutive5xxErrors: 3, interval: 10s, baseEjectionTime: 30s }
    loadBalancer:
      simple: ROUND_ROBIN
      localityLbSetting: { enabled: true, failover: [{ from: us-east, to: eu-west }] }
`);
  const byLocality = Object.fromEntries(assignment(mesh).map((g) => [g.locality, g.priority]));
  assert.deepEqual(byLocality, { "us-east/1a": 0, "us-east/1b": 1, "eu-west/3a": 2, "us-west/2a": 3 });
});

test("without outlier detection every locality stays at priority 0", () => {
  const mesh = geoMesh(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: geo, namespace: default }
spec:
  host: geo
  trafficPolicy: { loadBalancer: { simple: ROUND_ROBIN } }
`);
  assert.deepEqual(assignment(mesh).map((g) => g.priority), [0, 0, 0, 0]);
});

test("distribute weights localities from the proxy's matching rule; unlisted localities get no traffic", () => {
  const mesh = geoMesh(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: geo, namespace: default }
spec:
  host: geo
  trafficPolicy:
    loadBalancer:
      localityLbSetting:
        enabled: true
        distribute: [{ from: "us-east/1a/*", to: { "us-east/1a/*": 80, "us-west/*": 20 } }]
`);
  const groups = assignment(mesh);
  assert.deepEqual(groups.map((g) => [g.locality, g.weight]), [["us-east/1a", 80000], ["us-west/2a", 20000]]);
  const cluster = mesh.resources(mesh.sidecar("default", "client")).clusters.find((c) => c["name"] === "outbound|8080||geo.default.svc.cluster.local");
  assert.deepEqual(cluster?.["common_lb_config"], { locality_weighted_lb_config: {} });
});

test("removing a live workload removes its endpoint at the next push", () => {
  const mesh = geoMesh(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: geo, namespace: default }
spec: { host: geo }
`);
  assert.equal(assignment(mesh).flatMap((g) => g.addrs).length, 4);
  mesh.registry.removeWorkload("default", "geo-c");
  assert.deepEqual(assignment(mesh).flatMap((g) => g.addrs).sort(), ["10.7.0.2", "10.7.0.3", "10.7.0.5"]);
});
