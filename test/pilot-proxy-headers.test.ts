// Istio's proxy headers in generated connection managers: inbound and gateway listeners name the
// server "istio-envoy", outbound ones keep Envoy's "envoy"; ProxyConfig proxyHeaders (mesh
// defaultConfig or the pod's proxy.istio.io/config) renames or disables the server header and
// turns off Envoy's debug headers, x-request-id generation and x-envoy-attempt-count.
import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultMeshConfig, type MeshConfig } from "../src/config/mesh/index.js";
import { bookinfo, TestMesh } from "../src/pilot/testing/bookinfo.js";
import { assertValidEnvoy } from "../src/pilot/testing/valid-envoy.js";
import { nodeId, proxyFromNode, type Proxy } from "../src/pilot/proxy.js";
import type { EnvoyJson } from "../src/pilot/envoy.js";

const HCM = "envoy.filters.network.http_connection_manager";

/** Every HCM of the proxy's listeners, by stat_prefix. */
function hcms(mesh: TestMesh, proxy: Proxy): Map<string, EnvoyJson> {
  const res = mesh.resources(proxy);
  assertValidEnvoy(res);
  const out = new Map<string, EnvoyJson>();
  for (const l of res.listeners) {
    for (const chain of (l["filter_chains"] as EnvoyJson[] | undefined) ?? []) {
      for (const f of (chain["filters"] as EnvoyJson[] | undefined) ?? []) {
        if (f["name"] === HCM) out.set(String((f["typed_config"] as EnvoyJson)["stat_prefix"]), f["typed_config"] as EnvoyJson);
      }
    }
  }
  return out;
}

function reviews(mesh: TestMesh, annotations: Record<string, string> = {}): Proxy {
  const w = mesh.registry.snapshot().workload("default", "reviews-v1");
  assert.ok(w);
  return proxyFromNode({ id: nodeId("sidecar", w.address, "reviews-v1", "default"), metadata: { LABELS: w.labels, SERVICE_ACCOUNT: w.serviceAccount, ANNOTATIONS: annotations } }, w);
}

const routerOf = (hcm: EnvoyJson): EnvoyJson =>
  ((hcm["http_filters"] as EnvoyJson[]).find((f) => f["name"] === "envoy.filters.http.router") as EnvoyJson)["typed_config"] as EnvoyJson;

test("inbound and gateway connection managers say istio-envoy; outbound ones leave Envoy's default", () => {
  const mesh = bookinfo();
  const sidecar = hcms(mesh, reviews(mesh));
  assert.equal(sidecar.get("inbound_0.0.0.0_9080")?.["server_name"], "istio-envoy");
  const outbound = [...sidecar].filter(([prefix]) => prefix.startsWith("outbound_"));
  assert.ok(outbound.length > 0);
  for (const [prefix, hcm] of outbound) assert.equal(hcm["server_name"], undefined, prefix);
  for (const hcm of sidecar.values()) {
    assert.equal(hcm["server_header_transformation"], undefined);
    assert.equal(routerOf(hcm)["suppress_envoy_headers"], undefined);
  }
  const gw = hcms(mesh, mesh.gateway("istio-system", "istio-ingressgateway-1", "10.1.0.100", { istio: "ingressgateway" }));
  for (const hcm of gw.values()) assert.equal(hcm["server_name"], "istio-envoy");
});

test("ProxyConfig proxyHeaders from the mesh, overridden header by header by the pod's annotation", () => {
  const meshConfig: MeshConfig = { ...defaultMeshConfig(), defaultConfig: { ...defaultMeshConfig().defaultConfig, proxyHeaders: { server: { disabled: true }, requestId: { disabled: true } } } };
  const mesh = new TestMesh(bookinfo().store, meshConfig);
  for (const hcm of hcms(mesh, reviews(mesh)).values()) {
    assert.equal(hcm["server_header_transformation"], "PASS_THROUGH");
    assert.equal(hcm["server_name"], undefined);
    assert.equal(hcm["generate_request_id"], false);
  }
  const annotated = reviews(mesh, { "proxy.istio.io/config": "proxyHeaders:\n  server:\n    value: reviews-proxy\n  envoyDebugHeaders:\n    disabled: true\n" });
  for (const hcm of hcms(mesh, annotated).values()) {
    assert.equal(hcm["server_name"], "reviews-proxy", "the pod's server setting replaces the mesh's");
    assert.equal(hcm["server_header_transformation"], undefined);
    assert.equal(hcm["generate_request_id"], false, "requestId still comes from the mesh");
    assert.equal(routerOf(hcm)["suppress_envoy_headers"], true);
  }
});

test("virtual hosts number upstream attempts (x-envoy-attempt-count) unless proxyHeaders.attemptCount is disabled", () => {
  const vhostsOf = (mesh: TestMesh, proxy: Proxy): EnvoyJson[] => mesh.resources(proxy).routes.flatMap((r) => (r["virtual_hosts"] as EnvoyJson[] | undefined) ?? []);
  const mesh = bookinfo();
  const on = vhostsOf(mesh, reviews(mesh));
  assert.ok(on.length > 1);
  for (const vh of on) assert.equal(vh["include_request_attempt_count"], true, String(vh["name"]));
  const off = vhostsOf(mesh, reviews(mesh, { "proxy.istio.io/config": "proxyHeaders: { attemptCount: { disabled: true } }" }));
  for (const vh of off) assert.equal(vh["include_request_attempt_count"], false, String(vh["name"]));
});
