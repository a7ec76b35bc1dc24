// DestinationRule traffic policies on clusters: top, port and subset levels merged as Istio does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bookinfo } from "../src/pilot/testing/bookinfo.js";
import { assertValidEnvoy } from "../src/pilot/testing/valid-envoy.js";

const POLICY = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: default }
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: { simple: ROUND_ROBIN }
    connectionPool:
      tcp: { maxConnections: 100, connectTimeout: 30ms }
      http: { http1MaxPendingRequests: 10, http2MaxRequests: 1000, maxRequestsPerConnection: 5, maxRetries: 3, idleTimeout: 60s }
    outlierDetection: { consecutive5xxErrors: 7, consecutiveGatewayErrors: 3, interval: 5m, baseEjectionTime: 15m, maxEjectionPercent: 50 }
    tls: { mode: ISTIO_MUTUAL }
    portLevelSettings:
    - port: { number: 9080 }
      loadBalancer: { simple: LEAST_REQUEST }
  subsets:
  - name: v1
    labels: { version: v1 }
  - name: v2
    labels: { version: v2 }
    trafficPolicy:
      loadBalancer: { consistentHash: { httpHeaderName: x-user } }
      tls: { mode: DISABLE }
`;

function clusters(...config: string[]) {
  const mesh = bookinfo(...config);
  const res = mesh.resources(mesh.sidecar("default", "productpage-v1"));
  assertValidEnvoy(res);
  const byName = (n: string): Record<string, unknown> => res.clusters.find((c) => c["name"] === n) ?? {};
  return { mesh, res, byName };
}

test("connection pool, outlier detection and ISTIO_MUTUAL at the top level reach every cluster of the host", () => {
  const { byName } = clusters(POLICY);
  const c = byName("outbound|9080||reviews.default.svc.cluster.local");
  assert.equal(c["connect_timeout"], "0.03s");
  assert.deepEqual((c["circuit_breakers"] as { thresholds: unknown[] }).thresholds[0], {
    max_connections: 100, max_pending_requests: 10, max_requests: 1000, max_retries: 3, track_remaining: true,
  });
  const opts = (c["typed_extension_protocol_options"] as Record<string, Record<string, unknown>>)["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
  assert.deepEqual(opts?.["common_http_protocol_options"], { max_requests_per_connection: 5, idle_timeout: "60s" });
  assert.deepEqual(c["outlier_detection"], {
    enforcing_success_rate: 0, consecutive_5xx: 7, enforcing_consecutive_5xx: 100, consecutive_gateway_failure: 3,
    enforcing_consecutive_gateway_failure: 100, interval: "300s", base_ejection_time: "900s", max_ejection_percent: 50,
  });
  const tls = JSON.stringify(c["transport_socket"]);
  assert.match(tls, /"name":"default"/);
  assert.match(tls, /"name":"ROOTCA"/);
  assert.match(tls, /"sni":"outbound_\.9080_\._\.reviews\.default\.svc\.cluster\.local"/);
  assert.match(tls, /"match_typed_subject_alt_names":\[\{"san_type":"URI","matcher":\{"exact":"spiffe:\/\/cluster\.local\/ns\/default\/sa\/bookinfo-reviews"\}\}\]/, "secure naming: the servers' SPIFFE identities");
});

test("port-level settings override the top level; a subset's policy overrides both for its cluster", () => {
  const { byName } = clusters(POLICY);
  assert.equal(byName("outbound|9080||reviews.default.svc.cluster.local")["lb_policy"], "LEAST_REQUEST");
  assert.equal(byName("outbound|9080|v1|reviews.default.svc.cluster.local")["lb_policy"], "LEAST_REQUEST");
  const v2 = byName("outbound|9080|v2|reviews.default.svc.cluster.local");
  assert.equal(v2["lb_policy"], "RING_HASH");
  assert.deepEqual(v2["ring_hash_lb_config"], { minimum_ring_size: 1024 });
  assert.equal(v2["transport_socket"], undefined, "tls DISABLE in the subset drops the top-level mTLS");
  assert.deepEqual((v2["circuit_breakers"] as { thresholds: { max_connections: number }[] }).thresholds[0]?.max_connections, 100, "fields the subset does not set are inherited");
});

test("consistentHash on the destination's subset adds the route's hash_policy", () => {
  const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviews, subset: v2 } }] }]
`;
  const m2 = bookinfo(POLICY, vs);
  const r = m2.simulator(m2.sidecar("default", "productpage-v1")).run({ address: "10.96.0.12", port: 9080, host: "reviews" });
  assert.deepEqual((r.routeJson?.["route"] as Record<string, unknown>)["hash_policy"], [{ header: { header_name: "x-user" } }]);
});

test("SIMPLE TLS with a CA and SNI; PASSTHROUGH load balancing uses the original destination", () => {
  const dr = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ratings, namespace: default }
spec:
  host: ratings
  trafficPolicy:
    tls: { mode: SIMPLE, caCertificates: /etc/certs/ca.pem, sni: ratings.example.com, subjectAltNames: [ratings.example.com] }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: details, namespace: default }
spec:
  host: details
  trafficPolicy: { loadBalancer: { simple: PASSTHROUGH } }
`;
  const { byName } = clusters(dr);
  const ratings = JSON.stringify(byName("outbound|9080||ratings.default.svc.cluster.local")["transport_socket"]);
  assert.match(ratings, /"trusted_ca":\{"filename":"\/etc\/certs\/ca\.pem"\}/);
  assert.match(ratings, /"sni":"ratings\.example\.com"/);
  const details = byName("outbound|9080||details.default.svc.cluster.local");
  assert.equal(details["type"], "ORIGINAL_DST");
  assert.equal(details["lb_policy"], "CLUSTER_PROVIDED");
});
