import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isMizzenError } from "../../errors.js";
import { anyToEnvoyJson, toEnvoyJson } from "./to-envoy-json.js";
import { decodeEnvoyJson, encodeEnvoyJson, fromEnvoyJson } from "./from-envoy-json.js";
import { formatProblem } from "./problems.js";
import { envoyType } from "./protos.js";
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, LDS_TYPE_URL } from "./type-urls.js";
import { sampleCluster, sampleListener, sampleLoadAssignment } from "./fixtures.test-data.js";

function roundTrip(typeName: string, json: Record<string, unknown>): Record<string, unknown> {
  const bytes = encodeEnvoyJson(typeName, json);
  return toEnvoyJson(typeName, bytes);
}

function problemsOf(typeName: string, json: unknown): string[] {
  return decodeEnvoyJson(typeName, json).problems.map(formatProblem);
}

describe("Envoy JSON", () => {
  it("round-trips a Listener with an HCM, inline routes and typed_per_filter_config through the wire format", () => {
    const json = sampleListener();
    assert.deepEqual(roundTrip(LISTENER_TYPE, json), json);
  });

  it("round-trips a Cluster with EDS, a TLS transport socket, circuit breakers and outlier detection", () => {
    const json = sampleCluster();
    assert.deepEqual(roundTrip(CLUSTER_TYPE, json), json);
  });

  it("round-trips a ClusterLoadAssignment with localities and priorities", () => {
    const json = sampleLoadAssignment();
    assert.deepEqual(roundTrip(ENDPOINT_TYPE, json), json);
  });

  it("accepts lowerCamelCase names and writes snake_case", () => {
    const out = roundTrip(CLUSTER_TYPE, { name: "c", type: "STATIC", connectTimeout: "0.5s", loadAssignment: { clusterName: "c" } });
    assert.deepEqual(out, { name: "c", type: "STATIC", connect_timeout: "0.500s", load_assignment: { cluster_name: "c" } });
  });

  it("converts an Any to { @type, fields } and keeps unknown types as base64 with a report", () => {
    const bytes = encodeEnvoyJson(LISTENER_TYPE, { name: "l", address: { socket_address: { address: "127.0.0.1", port_value: 1 } } });
    assert.deepEqual(anyToEnvoyJson(LDS_TYPE_URL, bytes), { "@type": LDS_TYPE_URL, name: "l", address: { socket_address: { address: "127.0.0.1", port_value: 1 } } });
    const reported: string[] = [];
    const out = anyToEnvoyJson("type.googleapis.com/example.Unknown", Buffer.from([8, 1]), { onUnknownType: (_p, url) => reported.push(url) });
    assert.deepEqual(out, { "@type": "type.googleapis.com/example.Unknown", value: "CAE=" });
    assert.deepEqual(reported, ["type.googleapis.com/example.Unknown"]);
  });

  it("writes 64-bit integers beyond 2^53 as strings and wrappers bare", () => {
    const type = envoyType(CLUSTER_TYPE);
    const json = { name: "c", per_connection_buffer_limit_bytes: 32768, max_requests_per_connection: 1, metadata: { filter_metadata: { a: { n: 1.5, s: "x", b: true, z: null, l: [1, "2"] } } } };
    const msg = fromEnvoyJson(CLUSTER_TYPE, json);
    assert.deepEqual(toEnvoyJson(CLUSTER_TYPE, type.encode(msg).finish()), json);
    const big = roundTrip("envoy.config.core.v3.RuntimeFeatureFlag", { default_value: true, runtime_key: "k" });
    assert.deepEqual(big, { default_value: true, runtime_key: "k" });
    const counter = roundTrip("envoy.config.cluster.v3.Cluster", { name: "c", lb_subset_config: {}, max_requests_per_connection: 7 });
    assert.equal(counter.max_requests_per_connection, 7);
    const huge = roundTrip("envoy.config.core.v3.HttpProtocolOptions", { max_requests_per_connection: 2 });
    assert.equal(huge.max_requests_per_connection, 2);
    const bigInt = roundTrip("envoy.type.v3.Int64Range", { start: "9007199254740993", end: "9007199254740995" });
    assert.deepEqual(bigInt, { start: "9007199254740993", end: "9007199254740995" });
  });

  it("names the path of unknown fields and wrong types", () => {
    const problems = problemsOf(CLUSTER_TYPE, { name: "c", connect_timeout: 5, lb_polcy: "ROUND_ROBIN", load_assignment: { cluster_name: "c", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { port_value: "x" } } } }] }] } });
    assert.ok(problems.includes('connect_timeout: expected a duration like "1.5s", got number 5'), problems.join("\n"));
    assert.ok(problems.some((p) => p.startsWith("lb_polcy: unknown field")), problems.join("\n"));
    assert.ok(problems.some((p) => p.startsWith("load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value: expected an integer")), problems.join("\n"));
  });

  it("rejects an unknown Any type URL and two members of a oneof", () => {
    const problems = problemsOf(LISTENER_TYPE, {
      name: "l",
      filter_chains: [{ filters: [{ name: "x", typed_config: { "@type": "type.googleapis.com/no.such.Type" } }] }],
      address: { socket_address: { address: "0.0.0.0", port_value: 1 }, pipe: { path: "/tmp/p" } },
    });
    assert.ok(problems.some((p) => p.startsWith('filter_chains[0].filters[0].typed_config["@type"]: unknown type URL')), problems.join("\n"));
    assert.ok(problems.some((p) => p.startsWith("address.pipe: only one of")), problems.join("\n"));
  });

  it("throws MizzenError MIZZEN_ERR_XDS_INVALID listing every problem", () => {
    try {
      fromEnvoyJson(CLUSTER_TYPE, { nme: "c", type: "NOPE" });
      assert.fail("expected an error");
    } catch (e) {
      assert.ok(isMizzenError(e));
      assert.equal(e.code, "MIZZEN_ERR_XDS_INVALID");
      assert.deepEqual(e.details, [
        'nme: unknown field "nme" in envoy.config.cluster.v3.Cluster',
        "type: invalid value \"NOPE\" for enum DiscoveryType (one of STATIC, STRICT_DNS, LOGICAL_DNS, EDS, ORIGINAL_DST)",
        "name: value length must be at least 1 runes",
      ]);
    }
  });
});

describe("extensions outside the preloaded set", () => {
  it("loads an extension's protos on first use of its type URL", () => {
    const url = "type.googleapis.com/envoy.extensions.filters.http.grpc_stats.v3.FilterConfig";
    const json = { "@type": url, emit_filter_state: true, stats_for_all_methods: true };
    const bytes = encodeEnvoyJson("envoy.config.listener.v3.Filter", { name: "grpc_stats", typed_config: json });
    assert.deepEqual(toEnvoyJson("envoy.config.listener.v3.Filter", bytes), { name: "grpc_stats", typed_config: json });
  });
});
