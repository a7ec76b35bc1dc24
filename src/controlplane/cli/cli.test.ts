import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL } from "../../api/envoy/type-urls.js";
import type { TypeTrackingSnapshot } from "../../xds/index.js";
import type { ProxySync } from "../sync-observer.js";
import { parseFlags, table } from "./flags.js";
import { renderSection, sectionResources } from "./proxy-config-tables.js";
import { renderProxyStatus } from "./proxy-status.js";

const synced: TypeTrackingSnapshot = { status: "SYNCED", sentVersion: "v1", sentNonce: "1-1", sentAt: "2026-01-01T00:00:00.000Z", ackedVersion: "v1", ackedAt: "2026-01-01T00:00:00.010Z", lastNack: undefined };

describe("flags", () => {
  it("takes --name value, --name=value, short aliases and positionals", () => {
    const f = parseFlags(["cluster", "--port=9080", "-o", "json", "p1"], { values: { port: [], output: ["o"] } });
    assert.deepEqual(f.positionals, ["cluster", "p1"]);
    assert.deepEqual(f.values.get("port"), ["9080"]);
    assert.deepEqual(f.values.get("output"), ["json"]);
  });
  it("rejects unknown flags and missing values with MIZZEN_ERR_USAGE", () => {
    assert.throws(() => parseFlags(["--nope"], { values: {} }), { code: "MIZZEN_ERR_USAGE" });
    assert.throws(() => parseFlags(["--port"], { values: { port: [] } }), { code: "MIZZEN_ERR_USAGE" });
  });
  it("aligns table columns", () => {
    assert.equal(table(["A", "BB"], [["long", "x"]]), "A      BB\nlong   x");
  });
});

describe("proxy-status rendering", () => {
  const proxy: ProxySync = {
    proxyId: "sidecar~10.0.0.1~a.default~default.svc.cluster.local", cluster: "a.default", protocol: "SotW", connectedAt: "",
    types: {
      [CDS_TYPE_URL]: { ...synced, status: "STALE", sentNonce: "1-2", lastNack: { nonce: "1-2", version: "v2", message: "bad cluster", at: "2026-01-01T00:00:01.000Z" } },
      [LDS_TYPE_URL]: synced, [EDS_TYPE_URL]: synced,
      [RDS_TYPE_URL]: { ...synced, status: "NOT SENT", sentNonce: "" },
    },
    lastChangeAckMs: 42, lastChangeState: "ACKED",
  };
  it("shows per-type state, the ACK latency and NACK reasons under the table", () => {
    const out = renderProxyStatus({ controlPlaneVersion: "mizzen-0.1.0", lastChange: { changeAt: Date.parse("2026-01-01T00:00:00.000Z"), pushAt: Date.parse("2026-01-01T00:00:00.120Z"), full: true }, proxies: [proxy] });
    const [header, row] = out.split("\n");
    assert.match(header ?? "", /^NAME\s+CLUSTER\s+CDS\s+LDS\s+EDS\s+RDS\s+ECDS\s+ISTIOD\s+VERSION\s+LAST CHANGE ACK$/);
    assert.match(row ?? "", /STALE \(NACK\)\s+SYNCED\s+SYNCED\s+NOT SENT\s+IGNORED\s+mizzen-control-plane\s+mizzen-0\.1\.0\s+42ms$/);
    assert.match(out, /CDS \(version v2, .*\): bad cluster/);
    assert.match(out, /^Last change: 2026-01-01T00:00:00\.000Z \(config\), pushed 120 ms later/m);
  });
});

describe("proxy-config tables", () => {
  const dump = {
    configs: [
      { "@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", dynamic_active_clusters: [{ cluster: { name: "outbound|9080|v1|reviews.default.svc.cluster.local", type: "EDS", metadata: { filter_metadata: { istio: { config: "/apis/networking.istio.io/v1/namespaces/default/destination-rule/reviews" } } } } }, { cluster: { name: "PassthroughCluster", type: "ORIGINAL_DST" } }] },
      { "@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump", dynamic_listeners: [{ name: "0.0.0.0_9080", active_state: { listener: { name: "0.0.0.0_9080", address: { socket_address: { address: "0.0.0.0", port_value: 9080 } }, filter_chains: [{ filters: [{ name: "envoy.filters.network.http_connection_manager", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager", rds: { route_config_name: "9080" } } }] }] } } }] },
      { "@type": "type.googleapis.com/envoy.admin.v3.RoutesConfigDump", dynamic_route_configs: [{ route_config: { name: "9080", virtual_hosts: [{ name: "reviews.default.svc.cluster.local:9080", domains: ["reviews.default.svc.cluster.local", "reviews"], routes: [{ match: { prefix: "/", headers: [{ name: "end-user", string_match: { exact: "jason" } }] }, metadata: { filter_metadata: { istio: { config: "/apis/networking.istio.io/v1/namespaces/default/virtual-service/reviews" } } } }] }] } }] },
      { "@type": "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump", dynamic_endpoint_configs: [{ endpoint_config: { cluster_name: "outbound|9080|v1|reviews.default.svc.cluster.local", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "10.0.0.5", port_value: 9080 } } }, health_status: "HEALTHY" }] }] } }] },
    ],
  };
  it("cluster: istioctl's columns with the DestinationRule, filtered by port", () => {
    const out = renderSection(dump, "cluster", { port: 9080 });
    assert.match(out, /^reviews\.default\.svc\.cluster\.local\s+9080\s+v1\s+outbound\s+EDS\s+reviews\.default$/m);
    assert.doesNotMatch(out, /PassthroughCluster/);
    assert.match(renderSection(dump, "cluster", {}), /^PassthroughCluster\s+-\s+-\s+-\s+ORIGINAL_DST\s+-$/m);
  });
  it("listener, route and endpoint tables", () => {
    assert.match(renderSection(dump, "listener", {}), /^0\.0\.0\.0\s+9080\s+ALL\s+Route: 9080$/m);
    assert.match(renderSection(dump, "route", {}), /^9080\s+reviews\.default\.svc\.cluster\.local:9080\s+reviews\.default\.svc\.cluster\.local \+ 1 more\.\.\.\s+\/\* \(end-user=jason\)\s+reviews\.default$/m);
    assert.match(renderSection(dump, "endpoint", {}), /^10\.0\.0\.5:9080\s+HEALTHY\s+OK\s+outbound\|9080\|v1\|reviews/m);
  });
  it("returns the section's Envoy JSON for -o json", () => {
    assert.equal(sectionResources(dump, "cluster").length, 2);
    assert.deepEqual(sectionResources(dump, "secret"), []);
  });
});
