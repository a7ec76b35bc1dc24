// TCP and TLS VirtualService routes and ServiceEntries, for a sidecar.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bookinfo } from "../src/pilot/testing/bookinfo.js";
import { assertValidEnvoy } from "../src/pilot/testing/valid-envoy.js";

const MONGO = `apiVersion: v1
kind: Service
metadata: { name: mongodb, namespace: default }
spec:
  clusterIP: 10.96.0.50
  selector: { app: mongodb }
  ports: [{ name: mongo, port: 27017 }]
---
apiVersion: v1
kind: Pod
metadata: { name: mongodb-v1, namespace: default, labels: { app: mongodb, version: v1 } }
spec: { containers: [{ name: m, image: m }] }
status: { podIP: 10.1.0.50 }
---
apiVersion: v1
kind: Pod
metadata: { name: mongodb-v2, namespace: default, labels: { app: mongodb, version: v2 } }
spec: { containers: [{ name: m, image: m }] }
status: { podIP: 10.1.0.51 }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: mongodb, namespace: default }
spec:
  host: mongodb
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]
`;

test("TCP service: a <VIP>_<port> listener with tcp_proxy; a TCP route splits by weight", () => {
  const plain = bookinfo(MONGO);
  const sim0 = plain.simulator(plain.sidecar("default", "ratings-v1"));
  const r0 = sim0.run({ address: "10.96.0.50", port: 27017, protocol: "tcp" });
  assert.equal(r0.listener, "10.96.0.50_27017");
  assert.equal(r0.cluster, "outbound|27017||mongodb.default.svc.cluster.local");
  const routed = bookinfo(MONGO, `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: mongodb, namespace: default }
spec:
  hosts: [mongodb]
  tcp:
  - match: [{ port: 27017 }]
    route:
    - { destination: { host: mongodb, subset: v1 }, weight: 90 }
    - { destination: { host: mongodb, subset: v2 }, weight: 10 }
`);
  const res = routed.resources(routed.sidecar("default", "ratings-v1"));
  assertValidEnvoy(res);
  const r = routed.simulator(routed.sidecar("default", "ratings-v1")).run({ address: "10.96.0.50", port: 27017, protocol: "tcp" });
  assert.deepEqual(r.weightedClusters, [
    { name: "outbound|27017|v1|mongodb.default.svc.cluster.local", weight: 90 },
    { name: "outbound|27017|v2|mongodb.default.svc.cluster.local", weight: 10 },
  ]);
});

const EXTERNAL = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: wildcard, namespace: default }
spec:
  hosts: ["*.example.com"]
  ports: [{ number: 443, name: tls, protocol: TLS }]
  resolution: NONE
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: secure, namespace: default }
spec:
  hosts: [secure.example.com]
  ports: [{ number: 443, name: tls, protocol: TLS }]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: egress-proxy, namespace: default }
spec:
  hosts: [egress.internal]
  location: MESH_INTERNAL
  ports: [{ number: 443, name: tls, protocol: TLS }]
  resolution: STATIC
  endpoints: [{ address: 10.3.0.1 }, { address: 10.3.0.2, labels: { zone: b } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: example-tls, namespace: default }
spec:
  hosts: ["*.example.com"]
  tls:
  - match: [{ port: 443, sniHosts: [secure.example.com] }]
    route: [{ destination: { host: secure.example.com, port: { number: 443 } } }]
  - match: [{ port: 443, sniHosts: [legacy.example.com] }]
    route: [{ destination: { host: egress.internal, port: { number: 443 } } }]
`;

test("TLS routes pick clusters by SNI; other SNIs of a wildcard ServiceEntry pass through", () => {
  const mesh = bookinfo(EXTERNAL);
  const res = mesh.resources(mesh.sidecar("default", "productpage-v1"));
  assertValidEnvoy(res);
  const sim = mesh.simulator(mesh.sidecar("default", "productpage-v1"));
  const secure = sim.run({ address: "203.0.113.5", port: 443, protocol: "tls", sni: "secure.example.com" });
  assert.equal(secure.listener, "0.0.0.0_443");
  assert.equal(secure.cluster, "outbound|443||secure.example.com");
  assert.equal(sim.run({ address: "203.0.113.6", port: 443, protocol: "tls", sni: "legacy.example.com" }).cluster, "outbound|443||egress.internal");
  assert.equal(sim.run({ address: "203.0.113.7", port: 443, protocol: "tls", sni: "www.example.com" }).cluster, "PassthroughCluster");
});

test("ServiceEntry resolution: DNS → STRICT_DNS on the host, STATIC → EDS with inline endpoints, auto VIP from 240.240.0.0/16", () => {
  const mesh = bookinfo(EXTERNAL);
  const push = mesh.push();
  const secure = push.registry.service("secure.example.com");
  assert.match(secure?.address ?? "", /^240\.240\.\d+\.\d+$/);
  assert.equal(push.registry.service("*.example.com")?.address, undefined);
  const res = mesh.resources(mesh.sidecar("default", "productpage-v1"));
  const dns = res.clusters.find((c) => c["name"] === "outbound|443||secure.example.com");
  assert.equal(dns?.["type"], "STRICT_DNS");
  assert.match(JSON.stringify(dns?.["load_assignment"]), /"address":"secure\.example\.com","port_value":443/);
  const eds = res.endpoints.find((e) => e["cluster_name"] === "outbound|443||egress.internal");
  assert.match(JSON.stringify(eds), /10\.3\.0\.1.*10\.3\.0\.2/);
  assert.equal(res.clusters.some((c) => String(c["name"]).includes("*")), false, "wildcard entries have no cluster");
});

test("DNS_ROUND_ROBIN → LOGICAL_DNS with a single host; VirtualService exportTo hides rules from other namespaces", () => {
  const mesh = bookinfo(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: api, namespace: default }
spec:
  hosts: [api.example.org]
  ports: [{ number: 80, name: http, protocol: HTTP }]
  resolution: DNS_ROUND_ROBIN
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings-private, namespace: default }
spec:
  hosts: [ratings.default.svc.cluster.local]
  exportTo: ["."]
  http: [{ route: [{ destination: { host: ratings.default.svc.cluster.local, port: { number: 9080 } } }], timeout: 3s }]
---
apiVersion: v1
kind: Pod
metadata: { name: outsider, namespace: other, labels: { app: outsider } }
spec: { containers: [{ name: c, image: c }] }
status: { podIP: 10.9.9.9 }
`);
  const res = mesh.resources(mesh.sidecar("default", "productpage-v1"));
  assertValidEnvoy(res);
  const c = res.clusters.find((x) => x["name"] === "outbound|80||api.example.org");
  assert.equal(c?.["type"], "LOGICAL_DNS");
  assert.match(JSON.stringify(c?.["load_assignment"]), /"address":"api\.example\.org","port_value":80/);
  const inNs = mesh.simulator(mesh.sidecar("default", "productpage-v1")).run({ address: "10.96.0.13", port: 9080, host: "ratings:9080" });
  assert.equal((inNs.routeJson?.["route"] as Record<string, unknown>)["timeout"], "3s");
  const outside = mesh.simulator(mesh.sidecar("other", "outsider")).run({ address: "10.96.0.13", port: 9080, host: "ratings.default:9080" });
  assert.equal((outside.routeJson?.["route"] as Record<string, unknown>)["timeout"], "0s", "the rule is not exported to namespace other");
});

test("a port without a protocol is sniffed: HTTP follows the port's routes, other bytes the TCP chain", () => {
  const mesh = bookinfo(`apiVersion: v1
kind: Service
metadata: { name: legacy, namespace: default }
spec:
  clusterIP: 10.96.0.70
  selector: { app: legacy }
  ports: [{ name: web, port: 7070 }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: legacy, namespace: default }
spec:
  host: legacy
  subsets: [{ name: canary, labels: { track: canary } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: legacy, namespace: default }
spec:
  hosts: [legacy]
  http: [{ route: [{ destination: { host: legacy, subset: canary } }] }]
`);
  const res = mesh.resources(mesh.sidecar("default", "productpage-v1"));
  assertValidEnvoy(res);
  const sim = mesh.simulator(mesh.sidecar("default", "productpage-v1"));
  const http = sim.run({ address: "10.96.0.70", port: 7070, host: "legacy:7070" });
  assert.equal(http.listener, "10.96.0.70_7070");
  assert.equal(http.routeConfig, "7070");
  assert.equal(http.cluster, "outbound|7070|canary|legacy.default.svc.cluster.local");
  const tcp = sim.run({ address: "10.96.0.70", port: 7070, protocol: "tcp" });
  assert.equal(tcp.cluster, "outbound|7070||legacy.default.svc.cluster.local");
  assert.equal(res.listeners.some((l) => l["name"] === "0.0.0.0_7070"), false, "no wildcard HTTP listener takes other destinations on the port");
});
