import { test } from "node:test";
import assert from "node:assert/strict";
import { MizzenError } from "../../errors.js";
import { compileCluster } from "./cluster-config.js";
import { compileLoadAssignment } from "./load-assignment.js";

const invalidAt = (field: string) => (e: unknown) =>
  e instanceof MizzenError && e.code === "MIZZEN_ERR_XDS_INVALID" && e.message.includes(field);

test("Envoy JSON forms: 64-bit ints as strings, enums by name or number, Duration objects", () => {
  const c = compileCluster({
    name: "c", type: 3, eds_cluster_config: { service_name: "svc" }, lb_policy: "RING_HASH",
    connect_timeout: { seconds: "2", nanos: 500000000 }, ring_hash_lb_config: { minimum_ring_size: "64", maximum_ring_size: 4096 },
    least_request_lb_config: { choice_count: 3, active_request_bias: { default_value: 0.5, runtime_key: "x" } },
    max_requests_per_connection: 7, http2_protocol_options: {}, dns_lookup_family: "V4_ONLY",
  });
  assert.equal(c.type, "EDS");
  assert.equal(c.edsServiceName, "svc");
  assert.equal(c.lbPolicy, "RING_HASH");
  assert.equal(c.connectTimeoutMs, 2500);
  assert.deepEqual([c.lb.minRingSize, c.lb.maxRingSize, c.lb.choiceCount, c.lb.activeRequestBias], [64, 4096, 3, 0.5]);
  assert.equal(c.maxRequestsPerConnection, 7);
  assert.equal(c.http2, true);
  assert.equal(c.dnsLookupFamily, "V4_ONLY");
  assert.equal(c.panicThreshold, 50);
});

test("protocol selection from HttpProtocolOptions", () => {
  const opts = (o: Record<string, unknown>) => compileCluster({ name: "c", load_assignment: { endpoints: [] },
    typed_extension_protocol_options: { "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": o } });
  assert.equal(opts({ use_downstream_protocol_config: {} }).protocolSelection, "downstream");
  assert.equal(opts({ explicit_http_config: { http_protocol_options: {} } }).http2, false);
  const auto = opts({ auto_config: { http2_protocol_options: {} } });
  assert.equal(auto.protocolSelection, "auto");
  assert.equal(auto.http2, true);
});

test("invalid clusters name the field", () => {
  assert.throws(() => compileCluster({ name: "c", type: "SOMETIMES" }), invalidAt("cluster c.type"));
  assert.throws(() => compileCluster({ name: "c", type: "STATIC" }), invalidAt("cluster c.load_assignment"));
  assert.throws(() => compileCluster({ name: "c", load_assignment: {}, lb_policy: "CLUSTER_PROVIDED" }), invalidAt("cluster c.lb_policy"));
  assert.throws(() => compileCluster({ name: "c", load_assignment: {}, ring_hash_lb_config: { minimum_ring_size: 10, maximum_ring_size: 5 } }),
    invalidAt("ring_hash_lb_config.minimum_ring_size"));
  assert.throws(() => compileCluster({ name: "c", load_assignment: {}, common_lb_config: { healthy_panic_threshold: { value: 150 } } }),
    invalidAt("healthy_panic_threshold"));
  assert.throws(() => compileCluster({ name: "c", load_assignment: {}, transport_socket: { name: "envoy.transport_sockets.alts", typed_config: { "@type": "type.googleapis.com/x.Alts" } } }),
    invalidAt("cluster c.transport_socket"));
  assert.throws(() => compileCluster({ name: "c", load_assignment: {}, circuit_breakers: { thresholds: "many" } }),
    invalidAt("cluster c.circuit_breakers.thresholds"));
  assert.equal(compileCluster({ name: "c", load_assignment: {}, transport_socket: { name: "envoy.transport_sockets.raw_buffer" } }).tls, undefined);
});

test("load assignments: localities, priorities, weights and health; first duplicate wins", () => {
  const la = compileLoadAssignment({
    cluster_name: "x",
    endpoints: [{
      locality: { region: "r", zone: "z", sub_zone: "s" }, priority: 1, load_balancing_weight: 5,
      lb_endpoints: [
        { endpoint: { address: { socket_address: { address: "10.0.0.1", port_value: "80" } } }, load_balancing_weight: 3, health_status: 2 },
        { endpoint: { address: { socket_address: { address: "10.0.0.1", port_value: 80 } } } },
      ],
    }],
  }, "cla");
  assert.equal(la.hosts.length, 1);
  assert.deepEqual(la.hosts[0], { address: "10.0.0.1", port: 80, weight: 3, priority: 1, locality: { region: "r", zone: "z", subZone: "s" }, health: "UNHEALTHY" });
  assert.equal(la.localityWeights.get("r/z/s"), 5);
  assert.equal(la.overprovisioningFactor, 1.4);
  assert.throws(() => compileLoadAssignment({ endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: "/x" } } } }] }] }, "cla"),
    invalidAt("cla.endpoints[0].lb_endpoints[0].endpoint.address.socket_address"));
  assert.throws(() => compileLoadAssignment({ endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "1.1.1.1", port_value: 1 } } }, load_balancing_weight: 0 }] }] }, "cla"),
    invalidAt("load_balancing_weight"));
  assert.throws(() => compileLoadAssignment({ endpoints: [{ priority: 1e9, lb_endpoints: [] }] }, "cla"), invalidAt("cla.endpoints[0].priority"));
});
