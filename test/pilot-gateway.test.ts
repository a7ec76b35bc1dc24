// Gateway proxies: servers bound by selector, VirtualServices bound by gateway name with hosts
// intersected with the server's, HTTPS with SDS credentials, httpsRedirect, TLS passthrough, TCP.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bookinfo } from "../src/pilot/testing/bookinfo.js";
import { assertValidEnvoy } from "../src/pilot/testing/valid-envoy.js";

const GATEWAY = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: bookinfo-gateway, namespace: default }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 8080, name: http, protocol: HTTP }
    hosts: ["*"]
  - port: { number: 80, name: http-redirect, protocol: HTTP }
    hosts: [bookinfo.example.com]
    tls: { httpsRedirect: true }
  - port: { number: 443, name: https, protocol: HTTPS }
    hosts: [bookinfo.example.com]
    tls: { mode: SIMPLE, credentialName: bookinfo-cert }
  - port: { number: 8443, name: tls-passthrough, protocol: TLS }
    hosts: [ratings.example.com]
    tls: { mode: PASSTHROUGH }
  - port: { number: 31400, name: tcp, protocol: TCP }
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: bookinfo, namespace: default }
spec:
  hosts: ["*"]
  gateways: [bookinfo-gateway]
  http:
  - match: [{ uri: { exact: /productpage } }, { uri: { prefix: /static } }]
    route: [{ destination: { host: productpage, port: { number: 9080 } } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews-external, namespace: default }
spec:
  hosts: [reviews.example.com]
  gateways: [default/bookinfo-gateway]
  http:
  - route: [{ destination: { host: reviews } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings-passthrough, namespace: default }
spec:
  hosts: [ratings.example.com]
  gateways: [bookinfo-gateway]
  tls:
  - match: [{ port: 8443, sniHosts: [ratings.example.com] }]
    route: [{ destination: { host: ratings, port: { number: 9080 } } }]
  tcp:
  - match: [{ port: 31400 }]
    route: [{ destination: { host: details, port: { number: 9080 } } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: mesh-only, namespace: default }
spec:
  hosts: [details]
  http:
  - route: [{ destination: { host: ratings } }]
`;

const INGRESS = { istio: "ingressgateway" };

test("gateway HTTP server: VirtualServices bound by name, host intersection with server hosts", () => {
  const mesh = bookinfo(GATEWAY);
  const gw = mesh.gateway("istio-system", "istio-ingressgateway-0", "10.4.0.1", INGRESS);
  const res = mesh.resources(gw);
  assertValidEnvoy(res);
  const sim = mesh.simulator(gw);
  const page = sim.run({ port: 8080, host: "bookinfo.local", path: "/productpage" });
  assert.equal(page.listener, "0.0.0.0_8080");
  assert.equal(page.routeConfig, "http.8080");
  assert.equal(page.cluster, "outbound|9080||productpage.default.svc.cluster.local");
  assert.equal(sim.run({ port: 8080, host: "bookinfo.local", path: "/admin" }).error, "no route");
  assert.equal(sim.run({ port: 8080, host: "reviews.example.com", path: "/" }).cluster, "outbound|9080||reviews.default.svc.cluster.local");
  const https = res.routes.find((r) => String(r["name"]).startsWith("https.443"));
  assert.deepEqual(
    (https?.["virtual_hosts"] as { name: string }[]).map((v) => v.name),
    ["bookinfo.example.com:443"],
    "the '*' VirtualService narrows to the server's host; reviews.example.com is not a server host",
  );
  const mesh404 = sim.run({ port: 8080, host: "details", path: "/" });
  assert.notEqual(mesh404.cluster, "outbound|9080||ratings.default.svc.cluster.local", "VirtualServices bound only to the mesh do not reach gateways");
});

test("HTTPS termination with the credentialName's SDS secret; httpsRedirect requires TLS", () => {
  const mesh = bookinfo(GATEWAY);
  const gw = mesh.gateway("istio-system", "istio-ingressgateway-0", "10.4.0.1", INGRESS);
  const res = mesh.resources(gw);
  const l443 = res.listeners.find((l) => l["name"] === "0.0.0.0_443");
  assert.match(JSON.stringify(l443), /"name":"kubernetes:\/\/bookinfo-cert"/);
  const sim = mesh.simulator(gw);
  const r = sim.run({ port: 443, protocol: "http", sni: "bookinfo.example.com", host: "bookinfo.example.com", path: "/static/x.css", scheme: "https" });
  assert.equal(r.cluster, "outbound|9080||productpage.default.svc.cluster.local");
  const http80 = res.routes.find((x) => x["name"] === "http.80");
  assert.equal((http80?.["virtual_hosts"] as Record<string, unknown>[])[0]?.["require_tls"], "ALL");
});

test("TLS passthrough by SNI and a TCP server route to their services", () => {
  const mesh = bookinfo(GATEWAY);
  const sim = mesh.simulator(mesh.gateway("istio-system", "istio-ingressgateway-0", "10.4.0.1", INGRESS));
  assert.equal(sim.run({ port: 8443, protocol: "tls", sni: "ratings.example.com" }).cluster, "outbound|9080||ratings.default.svc.cluster.local");
  assert.equal(sim.run({ port: 8443, protocol: "tls", sni: "other.example.com" }).error, "no filter chain");
  assert.equal(sim.run({ port: 31400, protocol: "tcp" }).cluster, "outbound|9080||details.default.svc.cluster.local");
});

test("a gateway whose selector does not match the proxy gives it no listeners", () => {
  const mesh = bookinfo(GATEWAY);
  const res = mesh.resources(mesh.gateway("istio-system", "egress-0", "10.4.0.2", { istio: "egressgateway" }));
  assert.equal(res.listeners.length, 0);
});

test("server hosts 'ns/host' admit only VirtualServices of that namespace", () => {
  const scoped = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: scoped, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 9000, name: http-scoped, protocol: HTTP }
    hosts: ["team-a/*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: a, namespace: team-a }
spec:
  hosts: [a.example.com]
  gateways: [istio-system/scoped]
  http: [{ route: [{ destination: { host: ratings.default.svc.cluster.local } }] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: b, namespace: default }
spec:
  hosts: [b.example.com]
  gateways: [istio-system/scoped]
  http: [{ route: [{ destination: { host: ratings } }] }]
`;
  const mesh = bookinfo(scoped);
  const sim = mesh.simulator(mesh.gateway("istio-system", "istio-ingressgateway-0", "10.4.0.1", INGRESS));
  assert.equal(sim.run({ port: 9000, host: "a.example.com" }).cluster, "outbound|9080||ratings.default.svc.cluster.local");
  assert.equal(sim.run({ port: 9000, host: "b.example.com" }).error, "no virtual host");
});

test("an ISTIO_MUTUAL server terminates with the workload certificate and requires the mesh's client certificates", () => {
  const eastWest = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: mesh-internal, namespace: istio-system }
spec:
  selector: { istio: eastwestgateway }
  servers:
  - port: { number: 15443, name: https-mesh, protocol: HTTPS }
    hosts: ["*.local"]
    tls: { mode: ISTIO_MUTUAL }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings-ew, namespace: default }
spec:
  hosts: [ratings.default.svc.cluster.local]
  gateways: [istio-system/mesh-internal]
  http: [{ route: [{ destination: { host: ratings } }] }]
`;
  const mesh = bookinfo(eastWest);
  const gw = mesh.gateway("istio-system", "eastwest-0", "10.4.0.9", { istio: "eastwestgateway" });
  const res = mesh.resources(gw);
  assertValidEnvoy(res);
  const tls = JSON.stringify(res.listeners.find((l) => l["name"] === "0.0.0.0_15443"));
  assert.match(tls, /"tls_certificate_sds_secret_configs":\[\{"name":"default"/);
  assert.match(tls, /"validation_context_sds_secret_config":\{"name":"ROOTCA"/);
  assert.match(tls, /"require_client_certificate":true/);
  const sim = mesh.simulator(gw);
  assert.equal(sim.run({ port: 15443, sni: "ratings.default.svc.cluster.local", host: "ratings.default.svc.cluster.local", scheme: "https" }).cluster, "outbound|9080||ratings.default.svc.cluster.local");
});

test("VirtualServices bound to a gateway for the same host are merged, routes in VirtualService order (Istio merges on gateways)", () => {
  const mesh = bookinfo(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: shop-gateway, namespace: default }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 8080, name: http, protocol: HTTP }
    hosts: [shop.example.com]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: a-pages, namespace: default }
spec:
  hosts: [shop.example.com]
  gateways: [shop-gateway]
  http:
  - match: [{ uri: { prefix: /productpage } }]
    route: [{ destination: { host: productpage, port: { number: 9080 } } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: b-reviews, namespace: default }
spec:
  hosts: [shop.example.com]
  gateways: [shop-gateway]
  http:
  - match: [{ uri: { prefix: /reviews } }]
    route: [{ destination: { host: reviews, port: { number: 9080 } } }]
  - route: [{ destination: { host: details, port: { number: 9080 } } }]
`);
  const gw = mesh.gateway("istio-system", "istio-ingressgateway-0", "10.4.0.1", INGRESS);
  const res = mesh.resources(gw);
  assertValidEnvoy(res);
  const rc = res.routes.find((r) => r["name"] === "http.8080");
  assert.equal((rc?.["virtual_hosts"] as unknown[]).length, 1, "one virtual host for the shared host");
  const sim = mesh.simulator(gw);
  const on = (path: string): string | undefined => sim.run({ port: 8080, host: "shop.example.com", path }).cluster;
  assert.equal(on("/productpage"), "outbound|9080||productpage.default.svc.cluster.local");
  assert.equal(on("/reviews/1"), "outbound|9080||reviews.default.svc.cluster.local");
  assert.equal(on("/other"), "outbound|9080||details.default.svc.cluster.local", "the second VirtualService's catch-all comes after the first's routes");
});
