import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { nodeId, nodeMetadata, proxyBootstrap, type ProxyIdentity } from "./bootstrap.js";
import { istioStatsMatcher } from "./stats-matcher.js";
import { parseBootstrap } from "../../../proxy/xds/bootstrap.js";

const sidecar: ProxyIdentity = {
  role: "sidecar", podName: "reviews-v2-abc-xyz12", namespace: "default", ip: "127.18.3.4",
  labels: { app: "reviews", version: "v2" }, serviceAccount: "bookinfo-reviews", workloadName: "reviews-v2",
  interceptionMode: "NONE", inboundAppAddress: "127.19.3.4", httpProxyPort: 15001,
};

describe("proxy bootstrap", () => {
  it("names the node as Istio's pilot-agent does", () => {
    assert.equal(nodeId(sidecar), "sidecar~127.18.3.4~reviews-v2-abc-xyz12.default~default.svc.cluster.local");
    assert.equal(nodeId({ ...sidecar, role: "router", namespace: "istio-system" }), "router~127.18.3.4~reviews-v2-abc-xyz12.istio-system~istio-system.svc.cluster.local");
  });

  it("carries Istio's metadata keys, NONE mode's app address and forward-proxy port", () => {
    const md = nodeMetadata(sidecar);
    assert.deepEqual(md["LABELS"], { app: "reviews", version: "v2" });
    assert.equal(md["NAMESPACE"], "default");
    assert.equal(md["SERVICE_ACCOUNT"], "bookinfo-reviews");
    assert.equal(md["WORKLOAD_NAME"], "reviews-v2");
    assert.equal(md["INTERCEPTION_MODE"], "NONE");
    assert.equal(md["INBOUND_APP_ADDRESS"], "127.19.3.4");
    assert.equal(md["HTTP_PROXY_PORT"], "15001");
    assert.equal(md["DNS_CAPTURE"], undefined, "no DNS capture without a network namespace");
  });

  it("passes the pod's annotations (prometheus.io/* turn on app metrics merging) and none when there are none", () => {
    const annotated = { ...sidecar, annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": "9080" } };
    assert.deepEqual(nodeMetadata(annotated)["ANNOTATIONS"], { "prometheus.io/scrape": "true", "prometheus.io/port": "9080" });
    assert.equal(nodeMetadata(sidecar)["ANNOTATIONS"], undefined);
  });

  it("carries Istio's stats_matcher when given, in a bootstrap Envoy's protos accept", () => {
    const b = proxyBootstrap({ identity: sidecar, xds: { host: "127.0.0.1", port: 15010 }, admin: { host: "127.0.0.1", port: 15000 }, statsMatcher: istioStatsMatcher(undefined) });
    const checked = parseBootstrap(JSON.stringify(b), "bootstrap.json");
    const patterns = ((checked["stats_config"] as { stats_matcher: { inclusion_list: { patterns: Record<string, unknown>[] } } }).stats_matcher.inclusion_list.patterns);
    assert.ok(patterns.some((p) => p["prefix"] === "cluster.xds-grpc"));
    assert.equal(proxyBootstrap({ identity: sidecar, xds: { host: "127.0.0.1", port: 15010 }, admin: { host: "127.0.0.1", port: 15000 } })["stats_config"], undefined);
  });

  it("turns DNS capture on for REDIRECT sidecars only", () => {
    assert.equal(nodeMetadata({ ...sidecar, interceptionMode: "REDIRECT" })["DNS_CAPTURE"], "true");
    assert.equal(nodeMetadata({ ...sidecar, role: "router", interceptionMode: "REDIRECT" })["DNS_CAPTURE"], undefined);
  });

  it("points ADS at the control plane and admin where asked", () => {
    const b = proxyBootstrap({ identity: sidecar, xds: { host: "198.18.0.1", port: 15010 }, admin: { host: "127.18.3.4", port: 15000 } });
    const cluster = (b["static_resources"] as { clusters: { name: string; load_assignment: unknown }[] }).clusters[0];
    assert.equal(cluster?.name, "xds-grpc");
    assert.match(JSON.stringify(cluster?.load_assignment), /"address":"198\.18\.0\.1","port_value":15010/);
    assert.deepEqual(b["admin"], { address: { socket_address: { address: "127.18.3.4", port_value: 15000 } } });
    assert.equal((b["node"] as { cluster: string }).cluster, "reviews.default");
  });
});
