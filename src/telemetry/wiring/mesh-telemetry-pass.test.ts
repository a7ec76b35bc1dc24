import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeMeshConfig } from "../../config/mesh/index.js";
import { storeFrom, TestMesh } from "../../pilot/testing/bookinfo.js";
import { proxyFromNode, nodeId } from "../../pilot/proxy.js";
import { bookinfo } from "../../pilot/testing/bookinfo.js";
import { assertValidEnvoy } from "../../pilot/testing/valid-envoy.js";
import { HCM_TYPE, type EnvoyJson } from "../../pilot/envoy.js";
import { compileHcmConfig } from "../../proxy/http/hcm-config.js";
import "../../proxy/http/filters/builtin.js";
import { XDS_TYPED_STRUCT } from "./typed-struct-filter.js";

function hcms(listeners: readonly EnvoyJson[]): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  for (const l of listeners) {
    for (const c of (l["filter_chains"] as EnvoyJson[] | undefined) ?? []) {
      for (const f of (c["filters"] as EnvoyJson[] | undefined) ?? []) {
        const tc = f["typed_config"] as EnvoyJson | undefined;
        if (tc?.["@type"] === HCM_TYPE) out.push(tc);
      }
    }
  }
  return out;
}

const MESH = `accessLogFile: /dev/stdout
enableTracing: true
defaultConfig:
  tracing:
    sampling: 100
extensionProviders:
- name: zipkin
  zipkin: { service: zipkin.istio-system.svc.cluster.local, port: 9411 }
defaultProviders:
  tracing: [zipkin]
`;

test("every sidecar HCM gets istio.stats first (as a TypedStruct), MeshConfig's access log and zipkin tracing; the result encodes and compiles", () => {
  const base = bookinfo();
  const mesh = new TestMesh(base.store, decodeMeshConfig(MESH, "mesh.yaml").mesh);
  const res = mesh.resources(mesh.sidecar("default", "productpage-v1"));
  assertValidEnvoy(res);
  const all = hcms(res.listeners);
  assert.ok(all.some((h) => String(h["stat_prefix"]).startsWith("inbound")), "an inbound HCM");
  assert.ok(all.some((h) => String(h["stat_prefix"]).startsWith("outbound")), "an outbound HCM");
  for (const h of all) {
    const first = (h["http_filters"] as EnvoyJson[])[0] as EnvoyJson;
    assert.equal(first["name"], "istio.stats");
    assert.equal((first["typed_config"] as EnvoyJson)["@type"], XDS_TYPED_STRUCT);
    assert.equal((first["typed_config"] as EnvoyJson)["type_url"], "type.googleapis.com/stats.PluginConfig");
    assert.equal(((h["access_log"] as EnvoyJson[])[0] as EnvoyJson)["name"], "envoy.access_loggers.file");
    const tracing = h["tracing"] as { random_sampling: { value: number }; provider: { typed_config: { collector_cluster: string } } };
    assert.equal(tracing.random_sampling.value, 100);
    assert.equal(tracing.provider.typed_config.collector_cluster, "outbound|9411||zipkin.istio-system.svc.cluster.local");
    const compiled = compileHcmConfig(h.rds === undefined ? h : { ...h, rds: undefined, route_config: { name: "r", virtual_hosts: [] } });
    assert.ok(compiled.filters.some((f) => f.name === "istio.stats"), "the proxy builds the stats filter from the TypedStruct");
    assert.ok(compiled.telemetry !== null);
  }
});

test("Istio's defaults: stats everywhere, no access log and no tracing; a Telemetry resource turns the server side's logs on", () => {
  const plain = bookinfo().resources(bookinfo().sidecar("default", "reviews-v1"));
  for (const h of hcms(plain.listeners)) {
    assert.equal(((h["http_filters"] as EnvoyJson[])[0] as EnvoyJson)["name"], "istio.stats");
    assert.equal(h["access_log"], undefined);
    assert.equal(h["tracing"], undefined);
  }
  const withTelemetry = new TestMesh(storeFrom(`apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: logs, namespace: default }
spec:
  accessLogging:
  - providers: [{ name: envoy }]
    match: { mode: SERVER }
`));
  const base = bookinfo();
  for (const r of withTelemetry.store.list("Telemetry")) base.store.apply(r);
  const res = base.resources(base.sidecar("default", "reviews-v1"));
  const all = hcms(res.listeners);
  const inbound = all.filter((h) => String(h["stat_prefix"]).startsWith("inbound"));
  const outbound = all.filter((h) => !String(h["stat_prefix"]).startsWith("inbound"));
  assert.ok(inbound.length > 0 && outbound.length > 0);
  for (const h of inbound) assert.equal((h["access_log"] as EnvoyJson[]).length, 1);
  for (const h of outbound) assert.equal(h["access_log"], undefined);
});

test("gateway HCMs report as clients (outbound fragments) with istio.stats first", () => {
  const base = bookinfo(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 8080, name: http, protocol: HTTP }, hosts: ["*"] }]
`);
  const res = base.resources(base.gateway("istio-system", "ingress-0", "10.0.0.99", { istio: "ingressgateway" }));
  assertValidEnvoy(res);
  const all = hcms(res.listeners);
  assert.ok(all.length > 0);
  for (const h of all) assert.equal(((h["http_filters"] as EnvoyJson[])[0] as EnvoyJson)["name"], "istio.stats");
});

test("a pod's proxy.istio.io/config tracing.sampling overrides the mesh's; a Telemetry resource's randomSamplingPercentage overrides both", () => {
  const base = bookinfo();
  const mesh = new TestMesh(base.store, decodeMeshConfig(MESH, "mesh.yaml").mesh);
  const sampling = (m: TestMesh, annotation: string | undefined): number[] => {
    const w = m.registry.snapshot().workload("default", "productpage-v1");
    assert.ok(w);
    const md: Record<string, unknown> = { LABELS: w.labels, SERVICE_ACCOUNT: w.serviceAccount };
    if (annotation !== undefined) md["ANNOTATIONS"] = { "proxy.istio.io/config": annotation };
    const proxy = proxyFromNode({ id: nodeId("sidecar", w.address, "productpage-v1", "default"), metadata: md }, w);
    return hcms(m.resources(proxy).listeners).map((h) => (h["tracing"] as { random_sampling: { value: number } }).random_sampling.value);
  };
  assert.deepEqual([...new Set(sampling(mesh, undefined))], [100], "the mesh default");
  assert.deepEqual([...new Set(sampling(mesh, "tracing:\n  sampling: 10\n"))], [10], "the pod's annotation");
  assert.deepEqual([...new Set(sampling(mesh, "{ not yaml"))], [100], "an unreadable annotation leaves the mesh default");
  for (const r of storeFrom(`apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: tracing, namespace: default }
spec:
  tracing:
  - randomSamplingPercentage: 42
`).list("Telemetry")) mesh.store.apply(r);
  assert.deepEqual([...new Set(sampling(mesh, "tracing:\n  sampling: 10\n"))], [42], "the Telemetry API wins");
});

test("ProxyConfig tracing custom tags and max path tag length (Istio's tracing task, proto names) reach the HCM; a pod adds its own; Telemetry tags replace them", () => {
  const meshYaml = `enableTracing: true
defaultConfig:
  tracing:
    sampling: 100.0
    max_path_tag_length: 100
    custom_tags:
      clusterID:
        environment:
          name: ISTIO_META_CLUSTER_ID
      my_tag_header:
        header:
          name: host
extensionProviders:
- name: zipkin
  zipkin: { service: zipkin.istio-system.svc.cluster.local, port: 9411 }
defaultProviders:
  tracing: [zipkin]
`;
  const decoded = decodeMeshConfig(meshYaml, "mesh.yaml");
  assert.deepEqual(decoded.diagnostics, []);
  const mesh = new TestMesh(bookinfo().store, decoded.mesh);
  type Tracing = { max_path_tag_length?: number; custom_tags: { tag: string; environment?: { name: string }; request_header?: { name: string }; literal?: { value: string } }[] };
  const tracingOf = (annotation: string | undefined): Tracing => {
    const w = mesh.registry.snapshot().workload("default", "reviews-v1");
    assert.ok(w);
    const md: Record<string, unknown> = { LABELS: w.labels, SERVICE_ACCOUNT: w.serviceAccount };
    if (annotation !== undefined) md["ANNOTATIONS"] = { "proxy.istio.io/config": annotation };
    const h = hcms(mesh.resources(proxyFromNode({ id: nodeId("sidecar", w.address, "reviews-v1", "default"), metadata: md }, w)).listeners)[0] as EnvoyJson;
    compileHcmConfig(h.rds === undefined ? h : { ...h, rds: undefined, route_config: { name: "r", virtual_hosts: [] } });
    return h["tracing"] as Tracing;
  };
  const plain = tracingOf(undefined);
  assert.equal(plain.max_path_tag_length, 100);
  assert.deepEqual(plain.custom_tags.find((t) => t.tag === "clusterID")?.environment?.name, "ISTIO_META_CLUSTER_ID");
  assert.deepEqual(plain.custom_tags.find((t) => t.tag === "my_tag_header")?.request_header?.name, "host");
  const pod = tracingOf("tracing:\n  custom_tags:\n    team:\n      literal:\n        value: payments\n");
  assert.equal(pod.custom_tags.find((t) => t.tag === "team")?.literal?.value, "payments");
  assert.ok(pod.custom_tags.some((t) => t.tag === "clusterID"), "the mesh's tags stay, merged with the pod's");
  for (const r of storeFrom(`apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: tags, namespace: default }
spec:
  tracing:
  - customTags:
      from_telemetry:
        literal: { value: "yes" }
`).list("Telemetry")) mesh.store.apply(r);
  const withTelemetry = tracingOf(undefined);
  assert.ok(withTelemetry.custom_tags.some((t) => t.tag === "from_telemetry"));
  assert.ok(!withTelemetry.custom_tags.some((t) => t.tag === "clusterID"), "Telemetry's custom tags replace ProxyConfig's, as in Istio");
});
