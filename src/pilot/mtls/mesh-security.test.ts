// Auto mTLS, secure naming, PeerAuthentication modes and policy filters in generated resources:
// shapes as Istio emits them, valid against Envoy's protos and accepted by the proxy's compilers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TestMesh, storeFrom } from "../testing/bookinfo.js";
import { assertValidEnvoy } from "../testing/valid-envoy.js";
import type { EnvoyJson } from "../envoy.js";
import { compileListener } from "../../proxy/listener/compile.js";
import { NetworkFilterRegistry } from "../../proxy/listener/filter-registry.js";
import { tcpProxyFactory } from "../../proxy/tcp/tcp-proxy.js";
import { networkRbacFactory } from "../../proxy/network-filters/rbac/network-rbac.js";
import { httpConnectionManagerFactory } from "../../proxy/http/http-connection-manager.js";
import { telemetryNetworkFilterFactories } from "../../telemetry/metadata/metadata-exchange-filter.js";
import { SecretStore } from "../../proxy/tls/secret-store.js";
import { buildUpstreamTls } from "../../proxy/tls/upstream.js";
import { ClusterManager } from "../../proxy/upstream/index.js";
import { StatsStore } from "../../proxy/admin/stats.js";
import { RouteConfigStore } from "../../proxy/router/index.js";

function pod(name: string, app: string, ip: string, sa: string, meshed: boolean): string {
  const tls = meshed ? ", security.istio.io/tlsMode: istio" : "";
  return `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: default, labels: { app: ${app}${tls} } }
spec:
  serviceAccountName: ${sa}
  containers: [{ name: ${app}, image: ${app}, ports: [{ containerPort: 9080, name: http }, { containerPort: 5432, name: tcp-db }] }]
status: { podIP: ${ip} }
`;
}

function service(name: string, ip: string): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec:
  clusterIP: ${ip}
  selector: { app: ${name} }
  ports: [{ name: http, port: 9080, targetPort: 9080 }, { name: tcp-db, port: 5432, targetPort: 5432 }]
`;
}

const BASE = [
  service("web", "10.96.1.1"), service("api", "10.96.1.2"), service("legacy", "10.96.1.3"),
  pod("web-0", "web", "10.2.0.1", "web-sa", true),
  pod("api-0", "api", "10.2.0.2", "api-sa", true),
  pod("api-1", "api", "10.2.0.3", "api-sa", true),
  pod("legacy-0", "legacy", "10.2.0.4", "legacy-sa", false),
].join("---\n");

const STRICT_API = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: api-strict, namespace: default }
spec:
  selector: { matchLabels: { app: api } }
  mtls: { mode: STRICT }
  portLevelMtls: { "5432": { mode: DISABLE } }
`;

const ALLOW_GET = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: api-get, namespace: default }
spec:
  selector: { matchLabels: { app: api } }
  action: ALLOW
  rules: [{ from: [{ source: { principals: [cluster.local/ns/default/sa/web-sa] } }], to: [{ operation: { methods: [GET] } }] }]
`;

function cluster(r: { clusters: EnvoyJson[] }, name: string): EnvoyJson {
  const c = r.clusters.find((x) => x["name"] === name);
  assert.ok(c, `cluster ${name}`);
  return c;
}

function inbound(r: { listeners: EnvoyJson[] }): EnvoyJson {
  const l = r.listeners.find((x) => x["name"] === "virtualInbound");
  assert.ok(l, "virtualInbound");
  return l;
}

const chainsOf = (l: EnvoyJson): EnvoyJson[] => l["filter_chains"] as EnvoyJson[];

test("auto mTLS: tlsMode-istio endpoints get ISTIO_MUTUAL with the destination's SPIFFE IDs, others plaintext", () => {
  const mesh = new TestMesh(storeFrom(BASE));
  const r = mesh.resources(mesh.sidecar("default", "web-0"));
  const api = cluster(r, "outbound|9080||api.default.svc.cluster.local");
  const matches = api["transport_socket_matches"] as EnvoyJson[];
  assert.equal(matches.length, 2);
  assert.deepEqual(matches[0]?.["match"], { tlsMode: "istio" });
  const ctx = (matches[0]?.["transport_socket"] as EnvoyJson)["typed_config"] as EnvoyJson;
  assert.equal(ctx["sni"], "outbound_.9080_._.api.default.svc.cluster.local");
  const common = ctx["common_tls_context"] as EnvoyJson;
  assert.deepEqual(common["alpn_protocols"], ["istio-peer-exchange", "istio"]);
  assert.deepEqual(common["tls_certificate_sds_secret_configs"], [{ name: "default", sds_config: { ads: {}, resource_api_version: "V3" } }]);
  const cvc = common["combined_validation_context"] as EnvoyJson;
  assert.deepEqual((cvc["default_validation_context"] as EnvoyJson)["match_typed_subject_alt_names"], [{ san_type: "URI", matcher: { exact: "spiffe://cluster.local/ns/default/sa/api-sa" } }]);
  assert.equal((cvc["validation_context_sds_secret_config"] as EnvoyJson)["name"], "ROOTCA");
  // Endpoints: the meshed ones carry the match metadata, the plaintext service's do not.
  const cla = r.endpoints.find((e) => e["cluster_name"] === "outbound|9080||api.default.svc.cluster.local");
  const lbs = ((cla?.["endpoints"] as EnvoyJson[])[0]?.["lb_endpoints"] as EnvoyJson[]);
  assert.equal(lbs.length, 2);
  for (const lb of lbs) assert.deepEqual(lb["metadata"], { filter_metadata: { "envoy.transport_socket_match": { tlsMode: "istio" } } });
  const legacy = r.endpoints.find((e) => e["cluster_name"] === "outbound|9080||legacy.default.svc.cluster.local");
  const legacyLb = ((legacy?.["endpoints"] as EnvoyJson[])[0]?.["lb_endpoints"] as EnvoyJson[])[0];
  assert.equal(legacyLb?.["metadata"], undefined);
  assert.ok(assertValidEnvoy(r) > 10);
});

test("a DestinationRule tls mode wins over auto mTLS (DISABLE: no TLS at all; SIMPLE: its own context)", () => {
  const dr = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: api, namespace: default }
spec:
  host: api
  trafficPolicy: { tls: { mode: DISABLE } }
  subsets: [{ name: s, labels: { app: api }, trafficPolicy: { tls: { mode: SIMPLE, sni: api.example } } }]
`;
  const mesh = new TestMesh(storeFrom(BASE, dr));
  const r = mesh.resources(mesh.sidecar("default", "web-0"));
  const plain = cluster(r, "outbound|9080||api.default.svc.cluster.local");
  assert.equal(plain["transport_socket_matches"], undefined);
  assert.equal(plain["transport_socket"], undefined);
  const simple = cluster(r, "outbound|9080|s|api.default.svc.cluster.local");
  assert.equal(simple["transport_socket_matches"], undefined);
  assert.equal(((simple["transport_socket"] as EnvoyJson)["typed_config"] as EnvoyJson)["sni"], "api.example");
  assertValidEnvoy(r);
});

test("PeerAuthentication: PERMISSIVE by default (TLS + plaintext chains), STRICT only TLS, port-level DISABLE plaintext", () => {
  const permissive = new TestMesh(storeFrom(BASE));
  const p = inbound(permissive.resources(permissive.sidecar("default", "api-0")));
  const p9080 = chainsOf(p).filter((c) => (c["filter_chain_match"] as EnvoyJson | undefined)?.["destination_port"] === 9080);
  assert.deepEqual(p9080.map((c) => (c["filter_chain_match"] as EnvoyJson)["transport_protocol"]), ["tls", "raw_buffer"]);
  // Mesh mTLS is told apart from other TLS by Istio's ALPNs; a TCP port passes other TLS through to the app.
  const mtlsAlpn = ["istio", "istio-peer-exchange", "istio-http/1.0", "istio-http/1.1", "istio-h2"];
  assert.deepEqual((p9080[0]?.["filter_chain_match"] as EnvoyJson)["application_protocols"], mtlsAlpn);
  const p5432 = chainsOf(p).filter((c) => (c["filter_chain_match"] as EnvoyJson | undefined)?.["destination_port"] === 5432);
  assert.deepEqual(p5432.map((c) => [c["name"], (c["filter_chain_match"] as EnvoyJson)["transport_protocol"], (c["filter_chain_match"] as EnvoyJson)["application_protocols"], c["transport_socket"] !== undefined]), [
    ["inbound|5432||-mtls", "tls", mtlsAlpn, true],
    ["inbound|5432||-app-tls", "tls", undefined, false],
    ["inbound|5432||", "raw_buffer", undefined, false],
  ]);
  assert.ok((p["listener_filters"] as EnvoyJson[]).some((f) => f["name"] === "envoy.filters.listener.tls_inspector"));

  const strict = new TestMesh(storeFrom(BASE, STRICT_API));
  const r = strict.resources(strict.sidecar("default", "api-0"));
  const s = inbound(r);
  const byPort = (port: number): EnvoyJson[] => chainsOf(s).filter((c) => (c["filter_chain_match"] as EnvoyJson | undefined)?.["destination_port"] === port);
  const tls = byPort(9080);
  assert.equal(tls.length, 1);
  assert.equal((tls[0]?.["filter_chain_match"] as EnvoyJson)["transport_protocol"], "tls");
  const ts = (tls[0]?.["transport_socket"] as EnvoyJson)["typed_config"] as EnvoyJson;
  assert.equal(ts["require_client_certificate"], true);
  assert.deepEqual(byPort(5432).map((c) => c["transport_socket"]), [undefined]);
  assertValidEnvoy(r);
  // web has no workload policy: still PERMISSIVE.
  const w = inbound(strict.resources(strict.sidecar("default", "web-0")));
  assert.equal(chainsOf(w).filter((c) => c["transport_socket"] !== undefined).length, 2);
});

test("authorization filters go before the router and before tcp_proxy; the proxy compiles every listener and cluster", () => {
  const mesh = new TestMesh(storeFrom(BASE, STRICT_API, ALLOW_GET));
  const r = mesh.resources(mesh.sidecar("default", "api-0"));
  const chains = chainsOf(inbound(r));
  const http = chains.find((c) => c["name"] === "inbound|9080||-mtls");
  const hcm = ((http?.["filters"] as EnvoyJson[])[0]?.["typed_config"] as EnvoyJson);
  const names = (hcm["http_filters"] as EnvoyJson[]).map((f) => f["name"]);
  assert.equal(names.at(-1), "envoy.filters.http.router");
  assert.equal(names.at(-2), "envoy.filters.http.rbac");
  const tcp = chains.find((c) => c["name"] === "inbound|5432||");
  assert.deepEqual((tcp?.["filters"] as EnvoyJson[]).map((f) => f["name"]), ["istio.metadata_exchange", "envoy.filters.network.rbac", "envoy.filters.network.tcp_proxy"]);
  assertValidEnvoy(r);

  const registry = new NetworkFilterRegistry();
  registry.register(tcpProxyFactory);
  registry.register(httpConnectionManagerFactory);
  registry.register(networkRbacFactory);
  for (const f of telemetryNetworkFilterFactories) registry.register(f);
  const secrets = new SecretStore();
  const clusters = new ClusterManager({ timers: false, tlsBuilder: (json, field) => buildUpstreamTls(json, secrets, field) });
  try {
    const ctx = { registry, services: { nodeId: "test", clusters, stats: new StatsStore(), routeConfigs: new RouteConfigStore() }, secrets };
    for (const l of r.listeners) assert.equal(compileListener(l, ctx).name, l["name"]);
    const web = mesh.resources(mesh.sidecar("default", "web-0"));
    for (const c of web.clusters) clusters.set(c);
    for (const e of web.endpoints) clusters.setLoadAssignment(e);
  } finally {
    clusters.close();
  }
});
