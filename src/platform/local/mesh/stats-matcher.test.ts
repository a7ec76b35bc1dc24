import { test } from "node:test";
import assert from "node:assert/strict";
import { istioStatsMatcher } from "./stats-matcher.js";
import { proxyBootstrap } from "./bootstrap.js";
import { compileStatsMatcher } from "../../../proxy/admin/stats-matcher.js";

const filterOf = (m: Record<string, unknown>): ((name: string) => boolean) => {
  const f = compileStatsMatcher({ stats_config: { stats_matcher: m } });
  assert.ok(f);
  return f;
};
const RETRY = "cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_retry";

test("Istio's minimal set: server, cluster_manager, xds-grpc, RBAC and draining stats, route stat prefixes; not per-cluster traffic", () => {
  const keep = filterOf(istioStatsMatcher(undefined));
  for (const name of ["server.live", "cluster_manager.cds.update_success", "listener_manager.total_listeners_active", "cluster.xds-grpc.upstream_cx_total",
    "http.inbound_0.0.0.0_9080.rbac.allowed", "listener.0.0.0.0_15006.downstream_cx_active", "vhost.reviews.route.r1.upstream_rq_total"]) assert.ok(keep(name), name);
  for (const name of [RETRY, "http.inbound_0.0.0.0_9080.downstream_rq_total", "tcp.backend.downstream_cx_total"]) assert.ok(!keep(name), name);
});

test("proxyStatsMatcher from the mesh adds stats; the pod's annotation replaces the mesh's lists", () => {
  const mesh = { proxyStatsMatcher: { inclusionRegexps: [".*upstream_rq_retry.*"], inclusionSuffixes: ["upstream_rq_timeout"] } };
  const meshKeep = filterOf(istioStatsMatcher(mesh));
  assert.ok(meshKeep(RETRY));
  assert.ok(meshKeep("cluster.outbound|80||a.default.svc.cluster.local.upstream_rq_timeout"));
  const pod = filterOf(istioStatsMatcher(mesh, { "proxy.istio.io/config": "proxyStatsMatcher:\n  inclusionPrefixes: [\"tcp.\"]\n  inclusionRegexps: []\n" }));
  assert.ok(pod("tcp.backend.downstream_cx_total"), "the pod's prefix");
  assert.ok(!pod(RETRY), "the pod's (empty) regexps replace the mesh's");
  assert.ok(pod("cluster.outbound|80||a.default.svc.cluster.local.upstream_rq_timeout"), "a list the pod does not set stays the mesh's");
  assert.ok(pod("server.live"), "Istio's required stats stay");
});

test("sidecar.istio.io/statsInclusion* annotations (Istio's fortio sample) win over proxyStatsMatcher, list by list", () => {
  const mesh = { proxyStatsMatcher: { inclusionPrefixes: ["tcp."], inclusionSuffixes: ["upstream_rq_timeout"] } };
  const keep = filterOf(istioStatsMatcher(mesh, {
    "sidecar.istio.io/statsInclusionPrefixes": "cluster.outbound,cluster_manager,listener_manager,server,cluster.xds-grpc",
    "sidecar.istio.io/statsInclusionRegexps": "",
  }));
  assert.ok(keep("cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_rq_pending_overflow"), "the circuit-breaking task's counter");
  assert.ok(!keep("tcp.backend.downstream_cx_total"), "the annotation replaces the mesh's prefixes");
  assert.ok(keep("cluster.outbound|80||a.default.svc.cluster.local.upstream_rq_timeout"), "suffixes without an annotation stay the mesh's");
  assert.ok(keep("vhost.reviews.route.r1.upstream_rq_total"), "an empty annotation is no annotation: Istio's regexps stay");
});

test("{pod_ip} in a pattern becomes the pod's address in its bootstrap", () => {
  const matcher = istioStatsMatcher(undefined, { "sidecar.istio.io/statsInclusionPrefixes": "http.{pod_ip}_" });
  const bootstrap = proxyBootstrap({
    identity: { role: "sidecar", podName: "p", namespace: "default", ip: "10.1.0.7", labels: {}, annotations: {}, serviceAccount: "default", workloadName: "p", interceptionMode: "REDIRECT" },
    xds: { host: "127.0.0.1", port: 15010 }, admin: { host: "127.0.0.1", port: 15000 }, statsMatcher: matcher,
  });
  const keep = compileStatsMatcher(bootstrap);
  assert.ok(keep?.("http.10.1.0.7_9080.downstream_rq_total"));
  assert.ok(!keep?.("http.10.1.0.8_9080.downstream_rq_total"));
});
