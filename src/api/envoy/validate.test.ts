import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeEnvoyJson } from "./from-envoy-json.js";
import { formatProblem } from "./problems.js";
import { envoyType } from "./protos.js";
import { validateEnvoyMessage } from "./validate.js";
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from "./type-urls.js";
import { sampleCluster, sampleListener, sampleLoadAssignment } from "./fixtures.test-data.js";

function problems(typeName: string, json: unknown): string[] {
  return decodeEnvoyJson(typeName, json).problems.map(formatProblem);
}

describe("protoc-gen-validate rules from Envoy's protos", () => {
  it("accepts realistic valid resources", () => {
    assert.deepEqual(problems(LISTENER_TYPE, sampleListener()), []);
    assert.deepEqual(problems(CLUSTER_TYPE, sampleCluster()), []);
    assert.deepEqual(problems(ENDPOINT_TYPE, sampleLoadAssignment()), []);
  });

  it("enforces string min_len and duration gt", () => {
    const p = problems(CLUSTER_TYPE, { name: "", connect_timeout: "0s" });
    assert.ok(p.includes("name: value length must be at least 1 runes"), p.join("\n"));
    assert.ok(p.includes("connect_timeout: value must be greater than 0s"), p.join("\n"));
  });

  it("enforces message.required, repeated min_items and required oneofs", () => {
    const p = problems(ROUTE_TYPE, { name: "r", virtual_hosts: [{ name: "vh", domains: [], routes: [{ route: { cluster: "c" } }, { match: {}, route: { cluster: "c" } }] }] });
    assert.ok(p.includes("virtual_hosts[0].domains: value must contain at least 1 item(s)"), p.join("\n"));
    assert.ok(p.includes("virtual_hosts[0].routes[0].match: value is required"), p.join("\n"));
    assert.ok(p.some((x) => x.startsWith("virtual_hosts[0].routes[1].match.path_specifier: value is required")), p.join("\n"));
  });

  it("enforces uint32 ranges on scalars and on wrapper values", () => {
    const cla = sampleLoadAssignment();
    const endpoints = cla.endpoints as Record<string, unknown>[];
    (endpoints[0] as Record<string, unknown>).load_balancing_weight = 0;
    const lbEndpoints = (endpoints[1] as { lb_endpoints: { endpoint: { address: { socket_address: Record<string, unknown> } } }[] }).lb_endpoints;
    (lbEndpoints[0] as { endpoint: { address: { socket_address: Record<string, unknown> } } }).endpoint.address.socket_address.port_value = 70000;
    const p = problems(ENDPOINT_TYPE, cla);
    assert.ok(p.includes("endpoints[0].load_balancing_weight: value must be greater than or equal to 1"), p.join("\n"));
    assert.ok(p.includes("endpoints[1].lb_endpoints[0].endpoint.address.socket_address.port_value: value must be less than or equal to 65535"), p.join("\n"));
  });

  it("enforces enum defined_only on numeric enum values", () => {
    const p = problems(CLUSTER_TYPE, { name: "c", type: 42 });
    assert.ok(p.includes("type: value must be one of the defined enum values"), p.join("\n"));
  });

  it("checks inside Any payloads such as a filter's typed_config", () => {
    const l = sampleListener();
    const chain = (l.filter_chains as { filters: { typed_config: Record<string, unknown> }[] }[])[0];
    const filter = chain?.filters[0];
    assert.ok(filter);
    delete filter.typed_config.stat_prefix;
    const p = problems(LISTENER_TYPE, l);
    assert.ok(p.includes("filter_chains[0].filters[0].typed_config.stat_prefix: value length must be at least 1 runes"), p.join("\n"));
  });

  it("validates a message decoded from the wire", () => {
    const type = envoyType(CLUSTER_TYPE);
    const bytes = type.encode(type.create({ name: "" })).finish();
    const found = validateEnvoyMessage(type, type.decode(bytes)).map(formatProblem);
    assert.deepEqual(found, ["name: value length must be at least 1 runes"]);
  });
});
