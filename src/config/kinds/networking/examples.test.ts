// Configurations shaped like Istio's documentation and Bookinfo samples: all must decode cleanly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeText } from "../../decode/index.js";
import { formatDiagnostic } from "../../diagnostic.js";

function clean(text: string, expectedKinds: string[]): void {
  const r = decodeText(text, "example.yaml");
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  assert.deepEqual(r.resources.map((x) => x.kind), expectedKinds);
}

test("Bookinfo gateway and its virtual service", () => {
  clean(
    `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: bookinfo-gateway
spec:
  selector:
    istio: ingressgateway
  servers:
  - port: {number: 8080, name: http, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: bookinfo
spec:
  hosts: ["*"]
  gateways: [bookinfo-gateway]
  http:
  - match:
    - uri: {exact: /productpage}
    - uri: {prefix: /static}
    - uri: {exact: /login}
    - uri: {exact: /logout}
    - uri: {prefix: /api/v1/products}
    route:
    - destination:
        host: productpage
        port: {number: 9080}
`,
    ["Gateway", "VirtualService"],
  );
});

test("Bookinfo destination rules with subsets, plain and with mTLS", () => {
  const rule = (name: string, versions: string[], tls: boolean): string =>
    `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${name}
spec:
  host: ${name}
${tls ? "  trafficPolicy:\n    tls:\n      mode: ISTIO_MUTUAL\n" : ""}  subsets:
${versions.map((v) => `  - name: ${v}\n    labels:\n      version: ${v}\n`).join("")}`;
  const all = [
    rule("productpage", ["v1"], false),
    rule("reviews", ["v1", "v2", "v3"], false),
    rule("ratings", ["v1", "v2", "v2-mysql", "v2-mysql-vm"], true),
    rule("details", ["v1", "v2"], true),
  ].join("---\n");
  clean(all, ["DestinationRule", "DestinationRule", "DestinationRule", "DestinationRule"]);
});

test("Bookinfo virtual services: header match, weights, fault delay and abort", () => {
  clean(
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - match:
    - headers:
        end-user: {exact: jason}
    route:
    - destination: {host: reviews, subset: v2}
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 50
    - destination: {host: reviews, subset: v3}
      weight: 50
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: ratings, namespace: bookinfo}
spec:
  hosts: [ratings]
  http:
  - match:
    - headers:
        end-user: {exact: jason}
    fault:
      delay:
        percentage: {value: 100.0}
        fixedDelay: 7s
      abort:
        percentage: {value: 10}
        httpStatus: 500
    route:
    - destination: {host: ratings, subset: v1}
  - route:
    - destination: {host: ratings, subset: v1}
    timeout: 0.5s
    retries:
      attempts: 3
      perTryTimeout: 2s
      retryOn: gateway-error,connect-failure,refused-stream,503
`,
    ["VirtualService", "VirtualService"],
  );
});

test("egress: ServiceEntry with DNS resolution, TLS origination and port rewrite", () => {
  clean(
    `apiVersion: networking.istio.io/v1alpha3
kind: ServiceEntry
metadata: {name: googleapis}
spec:
  hosts: [www.googleapis.com]
  ports:
  - {number: 80, name: http, protocol: HTTP}
  - {number: 443, name: https, protocol: HTTPS}
  resolution: DNS
  location: MESH_EXTERNAL
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: rewrite-port-for-googleapis}
spec:
  hosts: [www.googleapis.com]
  http:
  - match:
    - port: 80
    route:
    - destination:
        host: www.googleapis.com
        port: {number: 443}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: originate-tls-for-googleapis}
spec:
  host: www.googleapis.com
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
    portLevelSettings:
    - port: {number: 443}
      tls: {mode: SIMPLE}
`,
    ["ServiceEntry", "VirtualService", "DestinationRule"],
  );
});

test("TLS gateway with credentialName, redirect server, and a TLS passthrough route", () => {
  clean(
    `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: my-gateway, namespace: some-config-namespace}
spec:
  selector: {app: my-gateway-controller}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [uk.bookinfo.com, eu.bookinfo.com]
    tls: {httpsRedirect: true}
  - port: {number: 443, name: https-443, protocol: HTTPS}
    hosts: [uk.bookinfo.com, eu.bookinfo.com]
    tls: {mode: SIMPLE, credentialName: bookinfo-secret}
  - port: {number: 9443, name: https-9443, protocol: HTTPS}
    hosts: [bookinfo-namespace/*.bookinfo.com]
    tls: {mode: MUTUAL, credentialName: bookinfo-secret}
  - port: {number: 2379, name: tls, protocol: TLS}
    hosts: ["*"]
    tls: {mode: PASSTHROUGH}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bookinfo-sni, namespace: bookinfo-namespace}
spec:
  hosts: ["*.bookinfo.com"]
  gateways: [some-config-namespace/my-gateway]
  tls:
  - match:
    - port: 443
      sniHosts: [login.bookinfo.com]
    route:
    - destination: {host: login.prod.svc.cluster.local}
`,
    ["Gateway", "VirtualService"],
  );
});

test("DestinationRule traffic policy: pools, outlier detection, consistent hash, locality", () => {
  clean(
    `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: bookinfo-ratings}
spec:
  host: ratings.prod.svc.cluster.local
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 100, connectTimeout: 30ms, tcpKeepalive: {time: 7200s, interval: 75s}}
      http: {http2MaxRequests: 1000, maxRequestsPerConnection: 10, idleTimeout: 1h}
    outlierDetection:
      consecutive5xxErrors: 7
      interval: 5m
      baseEjectionTime: 15m
    loadBalancer:
      consistentHash:
        httpCookie: {name: user, ttl: 0s}
        maglev: {tableSize: 65537}
      localityLbSetting:
        enabled: true
        distribute:
        - from: us-west/zone1/*
          to: {"us-west/zone1/*": 80, "us-west/zone2/*": 20}
  subsets:
  - name: testversion
    labels: {version: v3}
    trafficPolicy:
      loadBalancer: {simple: LEAST_REQUEST}
`,
    ["DestinationRule"],
  );
});

test("Sidecar, ServiceEntry with static endpoints, WorkloadEntry and WorkloadGroup", () => {
  clean(
    `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: prod-us1}
spec:
  egress:
  - hosts: ["prod-us1/*", "prod-apis/*", "istio-system/*"]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: ratings, namespace: prod-us1}
spec:
  workloadSelector:
    labels: {app: ratings}
  ingress:
  - port: {number: 9080, protocol: HTTP, name: somename}
    defaultEndpoint: unix:///var/run/someuds.sock
  egress:
  - port: {number: 9080, protocol: HTTP, name: egresshttp}
    hosts: ["prod-us1/*"]
  - hosts: ["istio-system/*"]
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external-svc-mongocluster}
spec:
  hosts: [mymongodb.somedomain]
  addresses: [192.192.192.192/24]
  ports:
  - {number: 27018, name: mongodb, protocol: MONGO}
  location: MESH_INTERNAL
  resolution: STATIC
  endpoints:
  - address: 2.2.2.2
  - address: 3.3.3.3
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: details-svc}
spec:
  serviceAccount: details-legacy
  address: 2.2.2.2
  labels: {app: details-legacy, instance-id: vm1}
---
apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: reviews, namespace: bookinfo}
spec:
  metadata:
    labels: {app.kubernetes.io/name: reviews, app.kubernetes.io/version: "1.3.4"}
  template:
    ports: {grpc: 3550, http: 8080}
    serviceAccount: default
  probe:
    initialDelaySeconds: 5
    timeoutSeconds: 3
    periodSeconds: 4
    successThreshold: 3
    failureThreshold: 3
    httpGet: {path: /foo/bar, host: 127.0.0.1, port: 3100, scheme: HTTPS}
`,
    ["Sidecar", "Sidecar", "ServiceEntry", "WorkloadEntry", "WorkloadGroup"],
  );
});

test("HTTP route features: redirect, direct response, rewrite, mirror, CORS, headers, delegate", () => {
  clean(
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: features}
spec:
  hosts: [ratings.prod.svc.cluster.local]
  http:
  - match: [{uri: {exact: /v1/getProductRatings}}]
    redirect: {uri: /v1/bookRatings, authority: newratings.default.svc.cluster.local, redirectCode: 301}
  - match: [{uri: {prefix: /v2/old}}]
    directResponse: {status: 503, body: {string: "unknown error"}}
  - match: [{uri: {regex: "^/v3/(?P<id>[0-9]+)$"}, ignoreUriCase: true}]
    rewrite: {uriRegexRewrite: {match: "^/v3/(.*)$", rewrite: "/\\\\1"}}
    route: [{destination: {host: ratings.prod.svc.cluster.local, subset: v1}}]
  - route:
    - destination: {host: ratings.prod.svc.cluster.local, subset: v1}
      headers:
        response: {remove: [foo]}
    mirror: {host: ratings.prod.svc.cluster.local, subset: v2}
    mirrorPercentage: {value: 50.0}
    headers:
      request: {set: {x-request-id: "%REQ(x-request-id)%", ":authority": example.com}}
    corsPolicy:
      allowOrigins: [{exact: "https://example.com"}]
      allowMethods: [POST, GET]
      allowCredentials: false
      allowHeaders: [X-Foo-Bar]
      maxAge: 24h
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: delegate-root}
spec:
  hosts: ["*.bookinfo.com"]
  gateways: [mygateway]
  http:
  - match: [{uri: {prefix: /productpage}}]
    delegate: {name: productpage, namespace: nsA}
`,
    ["VirtualService", "VirtualService"],
  );
});

test("JSON documents and kind: List decode like YAML", () => {
  const vs = { apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "a" }, spec: { hosts: ["a"], http: [{ route: [{ destination: { host: "a" } }] }] } };
  clean(JSON.stringify(vs, null, 2), ["VirtualService"]);
  clean(JSON.stringify({ apiVersion: "v1", kind: "List", items: [vs, { ...vs, metadata: { name: "b" } }] }), ["VirtualService", "VirtualService"]);
});
