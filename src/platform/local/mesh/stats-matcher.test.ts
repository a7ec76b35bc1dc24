import { test } from "node:test";
import assert from "node:assert/strict";
import { istioStatsMatcher } from "./stats-matcher.js";
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
