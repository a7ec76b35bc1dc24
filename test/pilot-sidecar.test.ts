// Sidecar translation for Bookinfo: default routing, listeners, clusters, endpoints, validity.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bookinfo, REVIEWS_SUBSETS } from "../src/pilot/testing/bookinfo.js";
import { assertValidEnvoy } from "../src/pilot/testing/valid-envoy.js";
import { toXdsResources } from "../src/pilot/index.js";
import { compileCluster } from "../src/proxy/upstream/index.js";
import { compileRouteConfiguration } from "../src/proxy/router/index.js";
import { buildUpstreamTls } from "../src/proxy/tls/upstream.js";
import { SecretStore } from "../src/proxy/tls/secret-store.js";

test("without VirtualServices a request goes to the service's cluster with Istio's default retry policy and no timeout", () => {
  const mesh = bookinfo();
  const sim = mesh.simulator(mesh.sidecar("default", "productpage-v1"));
  const r = sim.run({ address: "10.96.0.12", port: 9080, host: "reviews:9080", path: "/reviews/0" });
  assert.equal(r.listener, "0.0.0.0_9080");
  assert.equal(r.routeConfig, "9080");
  assert.equal(r.virtualHost, "reviews.default.svc.cluster.local:9080");
  assert.equal(r.cluster, "outbound|9080||reviews.default.svc.cluster.local");
  const action = r.routeJson?.["route"] as Record<string, unknown>;
  assert.equal(action["timeout"], "0s");
  const retry = action["retry_policy"] as Record<string, unknown>;
  assert.equal(retry["num_retries"], 2);
  assert.equal(retry["retry_on"], "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes");
  assert.deepEqual(retry["retriable_status_codes"], [503]);
  assert.equal(retry["host_selection_retry_max_attempts"], 5);
  assert.equal((retry["retry_host_predicate"] as { name: string }[])[0]?.name, "envoy.retry_host_predicates.previous_hosts");
});

test("Istio's domains: short name in the same namespace, name.ns, FQDN and VIP, with and without port", () => {
  const mesh = bookinfo();
  const sim = mesh.simulator(mesh.sidecar("default", "productpage-v1"));
  for (const host of ["reviews", "reviews:9080", "reviews.default", "reviews.default.svc", "reviews.default.svc.cluster.local:9080", "10.96.0.12:9080"]) {
    assert.equal(sim.run({ address: "10.96.0.12", port: 9080, host }).cluster, "outbound|9080||reviews.default.svc.cluster.local", host);
  }
  assert.equal(sim.run({ port: 9080, host: "unknown.example.com" }).cluster, "PassthroughCluster");
});

test("every generated resource decodes against Envoy's protos, and encodes for xDS", () => {
  const mesh = bookinfo(REVIEWS_SUBSETS);
  const res = mesh.resources(mesh.sidecar("default", "productpage-v1"));
  assert.ok(assertValidEnvoy(res) > 10);
  const xds = toXdsResources(res);
  assert.equal(Object.values(xds).reduce((n, l) => n + l.length, 0), res.listeners.length + res.routes.length + res.clusters.length + res.endpoints.length);
});

test("clusters per service port and subset with EDS; load assignments filtered by subset labels", () => {
  const mesh = bookinfo(REVIEWS_SUBSETS);
  const res = mesh.resources(mesh.sidecar("default", "productpage-v1"));
  const names = res.clusters.map((c) => c["name"]);
  for (const n of ["outbound|9080||reviews.default.svc.cluster.local", "outbound|9080|v2|reviews.default.svc.cluster.local", "PassthroughCluster", "BlackHoleCluster", "inbound|9080||"]) {
    assert.ok(names.includes(n), n);
  }
  const v2 = res.clusters.find((c) => c["name"] === "outbound|9080|v2|reviews.default.svc.cluster.local");
  assert.equal(v2?.["type"], "EDS");
  assert.deepEqual((v2?.["eds_cluster_config"] as Record<string, unknown>)["service_name"], "outbound|9080|v2|reviews.default.svc.cluster.local");
  const addrs = (name: string): string[] => {
    const cla = res.endpoints.find((e) => e["cluster_name"] === name);
    const eps = (cla?.["endpoints"] as { lb_endpoints: { endpoint: { address: { socket_address: { address: string } } } }[] }[]) ?? [];
    return eps.flatMap((g) => g.lb_endpoints.map((e) => e.endpoint.address.socket_address.address)).sort();
  };
  assert.deepEqual(addrs("outbound|9080||reviews.default.svc.cluster.local"), ["10.1.0.21", "10.1.0.22", "10.1.0.23"]);
  assert.deepEqual(addrs("outbound|9080|v2|reviews.default.svc.cluster.local"), ["10.1.0.22"]);
});

test("inbound: virtualInbound sends the workload's port to inbound|9080|| at 127.0.0.1; virtualOutbound passes unknown traffic through", () => {
  const mesh = bookinfo();
  const sim = mesh.simulator(mesh.sidecar("default", "reviews-v2"));
  const inbound = sim.run({ inbound: true, address: "10.1.0.22", port: 9080, host: "reviews:9080" });
  assert.equal(inbound.listener, "virtualInbound");
  assert.equal(inbound.cluster, "inbound|9080||");
  const cluster = sim.resources.clusters.find((c) => c["name"] === "inbound|9080||");
  assert.deepEqual(cluster?.["type"], "STATIC");
  assert.match(JSON.stringify(cluster?.["load_assignment"]), /"127\.0\.0\.1".*9080/);
  const other = sim.run({ address: "192.0.2.1", port: 5432, protocol: "tcp" });
  assert.equal(other.listener, "virtualOutbound");
  assert.equal(other.cluster, "PassthroughCluster");
});

test("the Mizzen proxy's own compilers accept every generated cluster and route configuration", () => {
  const mesh = bookinfo(REVIEWS_SUBSETS);
  for (const pod of ["productpage-v1", "reviews-v1", "ratings-v1"]) {
    const res = mesh.resources(mesh.sidecar("default", pod));
    // With the proxy's secret store, as the proxy compiles them (SDS secrets for mesh TLS).
    const secrets = new SecretStore();
    for (const c of res.clusters) assert.equal(compileCluster(c, (json, field) => buildUpstreamTls(json, secrets, field)).name, c["name"]);
    for (const r of res.routes) assert.equal(compileRouteConfiguration(r).name, r["name"]);
  }
});

test("interception NONE: outbound listeners bind on the pod address unless an inbound port holds it", async () => {
  const { proxyFromNode, nodeId, generateProxyResources } = await import("../src/pilot/index.js");
  const mesh = bookinfo();
  const w = mesh.registry.snapshot().workload("default", "reviews-v1");
  assert.ok(w);
  const proxy = proxyFromNode({ id: nodeId("sidecar", w.address, "reviews-v1", "default"), metadata: { INTERCEPTION_MODE: "NONE" } }, w);
  const res = generateProxyResources(proxy, mesh.push());
  assertValidEnvoy(res);
  const names = res.listeners.map((l) => l["name"]);
  assert.ok(!names.includes("virtualOutbound") && !names.includes("virtualInbound"));
  const out = res.listeners.find((l) => l["name"] === "0.0.0.0_9080");
  assert.equal(out?.["bind_to_port"], false, "binding it would collide with the inbound 10.1.0.21:9080");
  const inbound = res.listeners.find((l) => l["name"] === "10.1.0.21_9080");
  assert.deepEqual(inbound?.["address"], { socket_address: { address: "10.1.0.21", port_value: 9080 } });
  assert.ok(names.includes("10.1.0.21_9080"));
  const withTcp = bookinfo(`apiVersion: v1
kind: Service
metadata: { name: db, namespace: default }
spec: { clusterIP: 10.96.0.80, selector: { app: db }, ports: [{ name: tcp, port: 5432 }] }
---
apiVersion: v1
kind: Service
metadata: { name: db2, namespace: default }
spec: { clusterIP: 10.96.0.81, selector: { app: db2 }, ports: [{ name: tcp, port: 5432 }] }
`);
  const res2 = generateProxyResources(proxy, withTcp.push());
  const db = res2.listeners.find((l) => l["name"] === "10.96.0.80_5432");
  assert.deepEqual(db?.["address"], { socket_address: { address: "10.1.0.21", port_value: 5432 } });
  assert.equal(db?.["bind_to_port"], undefined);
  assert.equal(res2.listeners.find((l) => l["name"] === "10.96.0.81_5432")?.["bind_to_port"], false, "a second service on the port stays unbound");
});

test("HTTP_PROXY_PORT: a forward-proxy listener on the pod address routes absolute host:port names through http_proxy", async () => {
  const { proxyFromNode, nodeId, generateProxyResources, TrafficSimulator } = await import("../src/pilot/index.js");
  const mesh = bookinfo(REVIEWS_SUBSETS, `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviews, subset: v3 } }] }]
`);
  const w = mesh.registry.snapshot().workload("default", "productpage-v1");
  assert.ok(w);
  const proxy = proxyFromNode({ id: nodeId("sidecar", w.address, "productpage-v1", "default"), metadata: { INTERCEPTION_MODE: "NONE", HTTP_PROXY_PORT: "15080" } }, w);
  const res = generateProxyResources(proxy, mesh.push());
  assertValidEnvoy(res);
  const sim = new TrafficSimulator(res);
  const viaProxy = sim.run({ address: "10.1.0.10", port: 15080, host: "reviews:9080", path: "/reviews/1" });
  assert.equal(viaProxy.listener, "10.1.0.10_15080");
  assert.equal(viaProxy.routeConfig, "http_proxy");
  assert.equal(viaProxy.cluster, "outbound|9080|v3|reviews.default.svc.cluster.local");
  assert.equal(sim.run({ address: "10.1.0.10", port: 15080, host: "example.com:8000" }).cluster, "PassthroughCluster");
  assert.match(JSON.stringify(res.listeners.find((l) => l["name"] === "10.1.0.10_15080")), /"allow_absolute_url":true/);
});

test("Sidecar ingress replaces the inbound ports: each entry's port forwarded to its defaultEndpoint", async () => {
  const { proxyFromNode, nodeId, generateProxyResources, TrafficSimulator } = await import("../src/pilot/index.js");
  const mesh = bookinfo(`apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: reviews-ingress, namespace: default }
spec:
  workloadSelector: { labels: { app: reviews } }
  ingress:
  - port: { number: 9080, protocol: HTTP, name: http }
    defaultEndpoint: 127.0.0.1:19080
  - port: { number: 9443, protocol: TCP, name: tcp-admin }
    defaultEndpoint: 0.0.0.0:19443
`);
  const w = mesh.registry.snapshot().workload("default", "reviews-v2");
  assert.ok(w);
  const proxy = proxyFromNode({ id: nodeId("sidecar", w.address, "reviews-v2", "default"), metadata: { INTERCEPTION_MODE: "NONE", INBOUND_APP_ADDRESS: "127.0.0.22" } }, w);
  const res = generateProxyResources(proxy, mesh.push());
  assertValidEnvoy(res);
  const sim = new TrafficSimulator(res);
  assert.equal(sim.run({ inbound: true, address: "10.1.0.22", port: 9080, host: "reviews:9080" }).cluster, "inbound|9080||");
  assert.equal(sim.run({ inbound: true, address: "10.1.0.22", port: 9443, protocol: "tcp" }).cluster, "inbound|9443||");
  const target = (name: string): unknown => (res.clusters.find((c) => c["name"] === name)?.["load_assignment"] as { endpoints: { lb_endpoints: { endpoint: { address: unknown } }[] }[] }).endpoints[0]?.lb_endpoints[0]?.endpoint.address;
  assert.deepEqual(target("inbound|9080||"), { socket_address: { address: "127.0.0.1", port_value: 19080 } });
  assert.deepEqual(target("inbound|9443||"), { socket_address: { address: "127.0.0.22", port_value: 19443 } }, "0.0.0.0 means the app's own address");
});
