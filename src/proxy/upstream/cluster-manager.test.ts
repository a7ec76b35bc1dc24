import { test } from "node:test";
import assert from "node:assert/strict";
import { MizzenError } from "../../errors.js";
import type { EnvoyJson, UpstreamHost } from "../contracts.js";
import { ClusterManager } from "./cluster-manager.js";

function endpoint(ip: string, port: number, extra: EnvoyJson = {}): EnvoyJson {
  return { endpoint: { address: { socket_address: { address: ip, port_value: port } } }, ...extra };
}

function staticCluster(name: string, ips: string[], extra: EnvoyJson = {}): EnvoyJson {
  return {
    name, type: "STATIC", connect_timeout: "0.25s",
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: ips.map((ip) => endpoint(ip, 80)) }] },
    ...extra,
  };
}

function isInvalid(field: string) {
  return (e: unknown) => e instanceof MizzenError && e.code === "MIZZEN_ERR_XDS_INVALID" && e.message.includes(field);
}

function manager(now = { t: 0 }) {
  return new ClusterManager({ timers: false, clock: { now: () => now.t } });
}

test("a STATIC cluster compiles once and balances over its hosts", () => {
  const m = manager();
  const c = m.set(staticCluster("web", ["10.0.0.1", "10.0.0.2"], {
    per_connection_buffer_limit_bytes: 32768,
    typed_extension_protocol_options: {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        explicit_http_config: { http2_protocol_options: {} },
        common_http_protocol_options: { max_requests_per_connection: 100, idle_timeout: "30s" },
      },
    },
  }));
  assert.equal(m.get("web"), c);
  assert.equal(c.connectTimeoutMs, 250);
  assert.equal(c.http2, true);
  assert.equal(c.maxRequestsPerConnection, 100);
  assert.equal(c.idleTimeoutMs, 30_000);
  assert.equal(c.config.perConnectionBufferLimitBytes, 32768);
  const seen = new Set<string>();
  for (let i = 0; i < 10; i++) seen.add(c.pickHost(undefined)?.address ?? "none");
  assert.deepEqual([...seen].sort(), ["10.0.0.1", "10.0.0.2"]);
  const d = m.set({ name: "d", load_assignment: { endpoints: [] } });
  assert.equal(d.connectTimeoutMs, 5000, "Envoy's default connect_timeout");
  assert.equal(d.idleTimeoutMs, 3_600_000, "Envoy's default upstream idle_timeout: one hour");
  const never = m.set(staticCluster("never", ["10.0.0.3"], {
    typed_extension_protocol_options: {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        explicit_http_config: { http_protocol_options: {} },
        common_http_protocol_options: { idle_timeout: "0s" },
      },
    },
  }));
  assert.equal(never.idleTimeoutMs, 0, "0 turns the idle timeout off");
});

test("an invalid cluster is rejected alone, naming the field, and the previous version keeps serving", () => {
  const m = manager();
  const c = m.set(staticCluster("web", ["10.0.0.1"]));
  assert.throws(() => m.set(staticCluster("web", ["10.0.0.2"], { connect_timeout: "soon" })), isInvalid("cluster web.connect_timeout"));
  assert.throws(() => m.set(staticCluster("web", ["not-an-ip"])), isInvalid("load_assignment"));
  assert.throws(() => m.set(staticCluster("web", ["10.0.0.2"], { lb_policy: "FASTEST" })), isInvalid("cluster web.lb_policy"));
  assert.throws(() => m.set({ name: "e", type: "EDS" }), isInvalid("cluster e.eds_cluster_config"));
  assert.throws(() => m.set({ type: "STATIC" }), isInvalid("cluster.name"));
  assert.equal(m.get("web"), c);
  assert.equal(c.pickHost(undefined)?.address, "10.0.0.1");
  assert.equal(m.get("e"), undefined);
  assert.ok(m.remove("web"));
  assert.equal(m.get("web"), undefined);
});

test("EDS: no hosts until an assignment; updates keep the state of hosts that stay", () => {
  const m = manager();
  const c = m.set({ name: "outbound|80||svc", type: "EDS", eds_cluster_config: { service_name: "svc-eds" } });
  assert.equal(c.pickHost(undefined), null);
  assert.equal(c.describeNoHealthyUpstream(), "cluster outbound|80||svc (0 endpoints)");
  m.setLoadAssignment({
    cluster_name: "svc-eds",
    endpoints: [{ locality: { region: "r1", zone: "z1" }, lb_endpoints: [endpoint("10.1.0.1", 8080, { load_balancing_weight: 2 }), endpoint("10.1.0.2", 8080)] }],
  });
  const first = c.pickHost(undefined) as UpstreamHost;
  assert.ok(first);
  c.report(first, { kind: "response", status: 200 });
  m.setLoadAssignment({
    cluster_name: "svc-eds",
    endpoints: [{ lb_endpoints: [endpoint(first.address, 8080, { health_status: "HEALTHY" }), endpoint("10.1.0.3", 8080)] }],
  });
  const snap = m.list().find((s) => s.name === "outbound|80||svc");
  assert.ok(snap);
  assert.deepEqual(snap.hosts.map((h) => h.address).sort(), [first.address, "10.1.0.3"].sort());
  const kept = snap.hosts.find((h) => h.address === first.address);
  assert.equal(kept?.rq_total, 1, "stats survive the update");
  assert.equal(kept?.rq_success, 1);
  assert.equal(kept?.healthFlags, "healthy");
  assert.throws(() => m.setLoadAssignment({ cluster_name: "svc-eds", endpoints: [{ lb_endpoints: [endpoint("db.local", 1)] }] }),
    isInvalid("not an IP"));
  assert.throws(() => m.setLoadAssignment({ cluster_name: "svc-eds", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "10.0.0.1" } } } }] }] }),
    isInvalid("port_value"));
  assert.equal(m.list()[0]?.hosts.length, 2, "rejected assignments change nothing");
  // a cluster update keeps the assignment; a cluster added later gets the stored one
  m.set({ name: "outbound|80||svc", type: "EDS", eds_cluster_config: { service_name: "svc-eds" }, lb_policy: "RANDOM" });
  assert.equal(m.get("outbound|80||svc")?.allHosts().length, 2);
  const late = m.set({ name: "late", type: "EDS", eds_cluster_config: { service_name: "svc-eds" } });
  assert.equal(late.allHosts().length, 2);
});

test("a cluster update keeps host state, including ejection", () => {
  const m = manager();
  const od = { outlier_detection: { consecutive_5xx: 2, max_ejection_percent: 100 } };
  const c = m.set(staticCluster("web", ["10.0.0.1", "10.0.0.2"], od));
  const h = c.allHosts()[0] as UpstreamHost;
  c.report(h, { kind: "response", status: 500 });
  c.report(h, { kind: "response", status: 500 });
  assert.equal(h.ejected, true);
  m.set(staticCluster("web", ["10.0.0.1", "10.0.0.2"], { ...od, lb_policy: "LEAST_REQUEST" }));
  assert.equal(c.allHosts()[0], h);
  assert.equal(h.ejected, true);
  for (let i = 0; i < 20; i++) assert.notEqual(c.pickHost(undefined), h);
  assert.match(c.describeNoHealthyUpstream(), /2 endpoints, 1 ejected by outlier detection/);
  assert.equal(c.stats()["outlier_detection.ejections_active"], 1);
});

test("hosts with health UNHEALTHY/DRAINING/TIMEOUT are excluded and described", () => {
  const m = manager();
  const c = m.set({
    name: "h", common_lb_config: { healthy_panic_threshold: { value: 0 } },
    load_assignment: { endpoints: [{ lb_endpoints: [
      endpoint("10.0.0.1", 80, { health_status: "UNHEALTHY" }), endpoint("10.0.0.2", 80, { health_status: "DRAINING" }),
      endpoint("10.0.0.3", 80, { health_status: "TIMEOUT" }), endpoint("10.0.0.4", 80, { health_status: "DEGRADED" }),
    ] }] },
  });
  for (let i = 0; i < 20; i++) assert.equal(c.pickHost(undefined)?.address, "10.0.0.4");
  assert.equal(c.describeNoHealthyUpstream(), "cluster h (4 endpoints, 3 unhealthy)");
  const flags = c.snapshot().hosts.map((h) => h.healthFlags);
  assert.deepEqual(flags, ["/failed_eds_health", "/eds_status_draining", "/failed_eds_health", "/degraded_eds_health"]);
});

test("circuit breakers come from thresholds and show in stats and the no-host description", () => {
  const m = manager();
  const c = m.set(staticCluster("cb", ["10.0.0.1"], { circuit_breakers: { thresholds: [{ max_requests: 1, max_retries: "1" }] } }));
  assert.equal(c.tryAcquire("requests"), true);
  assert.equal(c.tryAcquire("requests"), false);
  assert.equal(c.tryAcquire("retries"), true);
  assert.equal(c.tryAcquire("retries"), false);
  assert.equal(c.stats()["upstream_rq_retry_overflow"], 1);
  assert.match(c.describeNoHealthyUpstream(), /circuit breaker open/);
  c.release("requests");
  assert.equal(c.tryAcquire("requests"), true);
});

test("ORIGINAL_DST creates hosts from the original destination and cleans idle ones up", () => {
  const now = { t: 1000 };
  const m = manager(now);
  const c = m.set({ name: "PassthroughCluster", type: "ORIGINAL_DST", lb_policy: "CLUSTER_PROVIDED", cleanup_interval: "10s" });
  assert.equal(c.pickHost(undefined), null);
  const a = c.pickHost({ originalDestination: { address: "10.9.0.1", port: 443 } });
  assert.equal(a?.address, "10.9.0.1");
  assert.equal(a?.port, 443);
  assert.equal(c.pickHost({ originalDestination: { address: "10.9.0.1", port: 443 } }), a);
  assert.equal(c.pickHost({ originalDestination: { address: "not-ip", port: 1 } }), null);
  const b = c.pickHost({ originalDestination: { address: "10.9.0.2", port: 80 } }) as UpstreamHost;
  b.activeRequests = 1;
  now.t += 10_000;
  assert.equal(c.originalDst?.cleanup(), 1, "idle host removed, busy one kept");
  assert.deepEqual(c.allHosts().map((h) => h.address), ["10.9.0.2"]);
  assert.throws(() => m.set({ name: "x", type: "ORIGINAL_DST", lb_policy: "MAGLEV" }), isInvalid("cluster x.lb_policy"));
});

test("upstream TLS: transport_socket compiles SNI, ALPN and SAN matchers; bad input names the field", () => {
  const m = manager();
  const tls = (ctx: EnvoyJson) => ({ transport_socket: { name: "envoy.transport_sockets.tls", typed_config: {
    "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext", ...ctx } } });
  const c = m.set(staticCluster("t", ["10.0.0.1"], tls({
    sni: "reviews.default.svc.cluster.local",
    common_tls_context: {
      alpn_protocols: ["istio-peer-exchange", "istio"],
      validation_context: { match_typed_subject_alt_names: [{ san_type: "URI", matcher: { exact: "spiffe://cluster.local/ns/default/sa/reviews" } }] },
    },
  })));
  assert.ok(c.tls);
  assert.equal(c.tls.sni, "reviews.default.svc.cluster.local");
  assert.deepEqual(c.tls.alpn, ["istio-peer-exchange", "istio"]);
  assert.deepEqual(c.tls.matchUriSans, ["spiffe://cluster.local/ns/default/sa/reviews"]);
  assert.equal(c.tls.verify, false);
  assert.throws(() => m.set(staticCluster("t2", ["10.0.0.1"], tls({ common_tls_context: { tls_certificates: [{
    certificate_chain: { inline_string: "garbage" }, private_key: { inline_string: "garbage" } }] } }))), isInvalid("tls_certificates"));
  assert.throws(() => m.set(staticCluster("t3", ["10.0.0.1"], tls({ common_tls_context: {
    tls_certificate_sds_secret_configs: [{ name: "default" }] } }))), isInvalid("tls_certificate_sds_secret_configs"));
  const custom = new ClusterManager({ timers: false, tlsBuilder: (json) => ({ context: c.tls!.context, matchUriSans: [String(json["sni"])] }) });
  assert.deepEqual(custom.set(staticCluster("t4", ["10.0.0.1"], tls({ sni: "x" }))).tls?.matchUriSans, ["x"]);
});

test("the admin listing carries the accepted JSON, stats and per-host counters", () => {
  const m = manager();
  const json = staticCluster("web", ["10.0.0.1"]);
  const c = m.set(json);
  const h = c.pickHost(undefined) as UpstreamHost;
  h.activeRequests = 2;
  c.report(h, { kind: "response", status: 503 });
  c.report(h, { kind: "connect-failure" });
  const [snap] = m.list();
  assert.ok(snap);
  assert.equal(snap.config, json);
  assert.equal(snap.type, "STATIC");
  assert.equal(snap.lbPolicy, "ROUND_ROBIN");
  const hs = snap.hosts[0];
  assert.deepEqual([hs?.rq_active, hs?.rq_total, hs?.rq_error, hs?.rq_success, hs?.cx_active], [2, 2, 2, 0, 0]);
  assert.equal(snap.stats["upstream_rq_error"], 2);
  assert.equal(snap.stats["membership_total"], 1);
  const flat = new Map(m.statsEntries());
  assert.equal(flat.get("cluster.web.upstream_rq_error"), 2);
  assert.equal(flat.get("cluster.web.upstream_rq_pending_overflow"), 0);
});

test("transport_socket_matches pick each endpoint's TLS from its metadata (Istio auto-mTLS)", () => {
  const m = manager();
  const tlsSocket = { name: "envoy.transport_sockets.tls", typed_config: {
    "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext", sni: "outbound_.80_._.svc" } };
  const c = m.set({
    name: "auto", type: "EDS", eds_cluster_config: {},
    transport_socket_matches: [
      { name: "tlsMode-istio", match: { tlsMode: "istio" }, transport_socket: tlsSocket },
      { name: "tlsMode-disabled", match: {}, transport_socket: { name: "envoy.transport_sockets.raw_buffer",
        typed_config: { "@type": "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer" } } },
    ],
  });
  m.setLoadAssignment({ cluster_name: "auto", endpoints: [{ lb_endpoints: [
    endpoint("10.0.0.1", 80, { metadata: { filter_metadata: { "envoy.transport_socket_match": { tlsMode: "istio" } } } }),
    endpoint("10.0.0.2", 80),
  ] }] });
  const [meshed, plain] = c.allHosts();
  assert.equal(meshed?.tls?.sni, "outbound_.80_._.svc");
  assert.equal(plain?.tls, null);
  assert.equal(c.tls, undefined);
});
