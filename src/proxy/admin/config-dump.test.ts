import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigDumpStore, redactSecret } from "./config-dump.js";
import { formatPrometheus } from "./prometheus.js";

describe("config_dump", () => {
  it("keeps the last accepted JSON per resource with version and time, static and dynamic apart", () => {
    const d = new ConfigDumpStore();
    d.setBootstrap({ node: { id: "n" } });
    d.accepted("cluster", "static", { name: "static" }, "", false);
    d.accepted("cluster", "web", { name: "web", connect_timeout: "1s" }, "v1", true);
    d.accepted("cluster", "web", { name: "web", connect_timeout: "2s" }, "v2", true);
    d.accepted("route", "r", { name: "r" }, "v7", true);
    const out = d.render() as { configs: Record<string, unknown>[] };
    const clusters = out.configs[1] as { version_info: string; static_clusters: { cluster: Record<string, unknown> }[]; dynamic_active_clusters: { version_info: string; cluster: Record<string, unknown>; last_updated: string }[] };
    assert.equal(clusters.version_info, "v2");
    assert.equal(clusters.static_clusters[0]?.cluster.name, "static");
    assert.equal(clusters.dynamic_active_clusters.length, 1);
    assert.equal(clusters.dynamic_active_clusters[0]?.cluster.connect_timeout, "2s");
    assert.equal(clusters.dynamic_active_clusters[0]?.cluster["@type"], "type.googleapis.com/envoy.config.cluster.v3.Cluster");
    assert.ok(!Number.isNaN(Date.parse(clusters.dynamic_active_clusters[0]?.last_updated ?? "")));
    const routes = out.configs[3] as { dynamic_route_configs: { version_info: string }[] };
    assert.equal(routes.dynamic_route_configs[0]?.version_info, "v7");
  });

  it("shows a rejected listener's error state next to its active version", () => {
    const d = new ConfigDumpStore();
    d.accepted("listener", "l", { name: "l", v: 1 }, "1", true);
    d.rejected("listener", "l", { name: "l", v: 2 }, "listener \"l\".filters: bad");
    const ls = (d.render() as { configs: { dynamic_listeners?: { name: string; active_state?: { listener: { v: number } }; error_state?: { details: string } }[] }[] }).configs[2]?.dynamic_listeners;
    assert.equal(ls?.[0]?.active_state?.listener.v, 1);
    assert.equal(ls?.[0]?.error_state?.details, "listener \"l\".filters: bad");
    d.accepted("listener", "l", { name: "l", v: 3 }, "3", true);
    const again = (d.render() as { configs: { dynamic_listeners?: { error_state?: unknown }[] }[] }).configs[2]?.dynamic_listeners;
    assert.equal(again?.[0]?.error_state, undefined);
  });

  it("redacts private keys in secrets and the bootstrap, keeping certificates and file names", () => {
    const secret = { name: "default", tls_certificate: { certificate_chain: { inline_string: "CERT" }, private_key: { inline_string: "KEY" } } };
    const file = { name: "f", tls_certificate: { certificate_chain: { filename: "/c" }, private_key: { filename: "/k" } } };
    assert.deepEqual(redactSecret(secret), { name: "default", tls_certificate: { certificate_chain: { inline_string: "CERT" }, private_key: { inline_string: "[redacted]" } } });
    assert.deepEqual(redactSecret(file), file);
    const d = new ConfigDumpStore();
    d.accepted("secret", "default", secret, "", false);
    assert.doesNotMatch(JSON.stringify(d.render()), /"KEY"/);
  });
});

describe("/stats/prometheus", () => {
  it("names metrics Envoy's way with the cluster as a label", () => {
    const text = formatPrometheus([
      { name: "upstream_cx_total", value: 3, type: "counter", cluster: "outbound|80||a.svc" },
      { name: "upstream_cx_total", value: 1, type: "counter", cluster: "b" },
      { name: "server.live", value: 1, type: "gauge" },
    ]);
    assert.equal(text, [
      "# TYPE envoy_cluster_upstream_cx_total counter",
      'envoy_cluster_upstream_cx_total{envoy_cluster_name="outbound|80||a.svc"} 3',
      'envoy_cluster_upstream_cx_total{envoy_cluster_name="b"} 1',
      "# TYPE envoy_server_live gauge",
      "envoy_server_live 1",
      "",
    ].join("\n"));
  });
});
