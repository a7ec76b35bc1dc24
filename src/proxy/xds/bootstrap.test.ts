import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { isMizzenError } from "../../errors.js";
import { loadBootstrap } from "./bootstrap.js";
import { adsTargetOf } from "./bootstrap-checks.js";

const GOOD = `
node:
  id: sidecar~10.0.0.1~reviews-v1.default~default.svc.cluster.local
  cluster: reviews.default
  locality: { region: us-east1, zone: us-east1-b }
  metadata: { ISTIO_VERSION: "1.24", LABELS: { app: reviews } }
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 15000 } }
layered_runtime:
  layers: [{ name: static, static_layer: { overload.global_downstream_max_connections: 100 } }]
stats_config:
  stats_tags: [{ tag_name: cluster_name, regex: "^cluster\\\\.((.+?)\\\\.)" }]
dynamic_resources:
  ads_config:
    api_type: DELTA_GRPC
    transport_api_version: V3
    grpc_services: [{ envoy_grpc: { cluster_name: xds-grpc } }]
  lds_config: { ads: {}, resource_api_version: V3 }
  cdsConfig: { ads: {}, resourceApiVersion: V3 }
static_resources:
  clusters:
  - name: xds-grpc
    type: STATIC
    connect_timeout: 1s
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: { http2_protocol_options: {} }
    load_assignment:
      cluster_name: xds-grpc
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 15010 } } } }] }]
`;

const BAD = `node:
  id: x
static_resources:
  clusters:
  - name: a
    connect_timeout: 0s
    lb_polcy: ROUND_ROBIN
  listeners:
  - name: l
    address: { socket_address: { address: 0.0.0.0, port_value: 99999 } }
dynamic_resources:
  ads_config:
    api_type: GRPC
    grpc_services: [{ envoy_grpc: { cluster_name: missing } }]
`;

describe("loadBootstrap", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "mizzen-bootstrap-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("loads a YAML bootstrap, accepting camelCase, and returns normalized Envoy JSON", async () => {
    const file = path.join(dir, "good.yaml");
    await writeFile(file, GOOD);
    const b = await loadBootstrap(file);
    assert.deepEqual(b.node, {
      id: "sidecar~10.0.0.1~reviews-v1.default~default.svc.cluster.local",
      cluster: "reviews.default",
      locality: { region: "us-east1", zone: "us-east1-b" },
      metadata: { ISTIO_VERSION: "1.24", LABELS: { app: "reviews" } },
    });
    const dyn = b.dynamic_resources as Record<string, unknown>;
    assert.deepEqual(dyn.cds_config, { ads: {}, resource_api_version: "V3" });
    const cluster = (b.static_resources as { clusters: Record<string, unknown>[] }).clusters[0];
    assert.equal(cluster?.connect_timeout, "1s");
    assert.deepEqual(adsTargetOf(b), { clusterName: "xds-grpc", delta: true, address: "127.0.0.1:15010" });
  });

  it("loads the same bootstrap written as JSON", async () => {
    const file = path.join(dir, "good.json");
    await writeFile(file, JSON.stringify({ node: { id: "n" }, admin: { address: { socket_address: { address: "127.0.0.1", port_value: 15000 } } } }));
    const b = await loadBootstrap(file);
    assert.deepEqual(b, { node: { id: "n" }, admin: { address: { socket_address: { address: "127.0.0.1", port_value: 15000 } } } });
  });

  it("reports every problem with file, line and field path", async () => {
    const file = path.join(dir, "bad.yaml");
    await writeFile(file, BAD);
    await assert.rejects(loadBootstrap(file), (e: unknown) => {
      assert.ok(isMizzenError(e));
      assert.equal(e.code, "MIZZEN_ERR_BOOTSTRAP");
      const d = e.details ?? [];
      assert.ok(d.includes(`${file}:7: static_resources.clusters[0].lb_polcy: unknown field "lb_polcy" in envoy.config.cluster.v3.Cluster`), d.join("\n"));
      assert.ok(d.includes(`${file}:6: static_resources.clusters[0].connect_timeout: value must be greater than 0s`), d.join("\n"));
      assert.ok(d.includes(`${file}:10: static_resources.listeners[0].address.socket_address.port_value: value must be less than or equal to 65535`), d.join("\n"));
      return true;
    });
    await writeFile(file, BAD.replace("    lb_polcy: ROUND_ROBIN\n", "").replace("connect_timeout: 0s", "connect_timeout: 1s").replace("99999", "80"));
    await assert.rejects(loadBootstrap(file), (e: unknown) => {
      assert.ok(isMizzenError(e));
      const d = e.details ?? [];
      assert.ok(d.includes(`${file}:13: dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name: cluster "missing" is not a static cluster of this bootstrap`), d.join("\n"));
      return true;
    });
  });

  it("requires node.id when the bootstrap uses ADS", async () => {
    const file = path.join(dir, "noid.yaml");
    await writeFile(file, GOOD.replace("  id: sidecar~10.0.0.1~reviews-v1.default~default.svc.cluster.local\n", ""));
    await assert.rejects(loadBootstrap(file), (e: unknown) => {
      assert.ok(isMizzenError(e));
      assert.deepEqual(e.details, [`${file}:3: node.id: node.id is required with dynamic_resources.ads_config`]);
      return true;
    });
  });

  it("reports YAML syntax errors and unreadable files with MIZZEN_ERR_BOOTSTRAP", async () => {
    const file = path.join(dir, "syntax.yaml");
    await writeFile(file, "node: { id: [\n");
    await assert.rejects(loadBootstrap(file), (e: unknown) => isMizzenError(e) && e.code === "MIZZEN_ERR_BOOTSTRAP" && (e.details?.[0] ?? "").startsWith(`${file}:`));
    await assert.rejects(loadBootstrap(path.join(dir, "none.yaml")), (e: unknown) => isMizzenError(e) && e.code === "MIZZEN_ERR_BOOTSTRAP");
  });
});
