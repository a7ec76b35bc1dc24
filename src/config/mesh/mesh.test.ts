import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeMeshConfig, defaultMeshConfig, meshConfigFromConfigMap } from "./index.js";
import { diagnosticsOf, expectClean } from "../kinds/security/testing/expect.js";

test("defaults follow Istio's documented defaults", () => {
  const m = defaultMeshConfig();
  assert.equal(m.trustDomain, "cluster.local");
  assert.equal(m.rootNamespace, "istio-system");
  assert.equal(m.outboundTrafficPolicy?.mode, "ALLOW_ANY");
  assert.equal(m.enableAutoMtls, true);
  assert.deepEqual(m.defaultHttpRetryPolicy, { attempts: 2, retryOn: "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes" });
  assert.equal(m.defaultConfig?.tracing?.sampling, 1);
  assert.equal(m.connectTimeout, "10s");
  assert.equal(m.defaultConfig?.discoveryAddress, "istiod.istio-system.svc:15012");
});

test("a mesh config file is laid over the defaults", () => {
  const { mesh, diagnostics } = decodeMeshConfig(
    `accessLogFile: /dev/stdout
accessLogEncoding: JSON
outboundTrafficPolicy:
  mode: REGISTRY_ONLY
trustDomain: example.org
trustDomainAliases: [old.example.org]
defaultConfig:
  holdApplicationUntilProxyStarts: true
  proxyMetadata:
    ISTIO_META_DNS_CAPTURE: "true"
  tracing:
    sampling: 10
defaultProviders:
  tracing: [otel]
extensionProviders:
- name: otel
  opentelemetry:
    service: opentelemetry-collector.observability.svc.cluster.local
    port: 4317
- name: ext-authz-http
  envoyExtAuthzHttp:
    service: ext-authz.foo.svc.cluster.local
    port: 8000
    includeRequestHeadersInCheck: ["x-ext-authz"]
- name: envoy
  envoyFileAccessLog:
    path: /dev/stderr
`,
    "mesh.yaml",
  );
  assert.deepEqual(diagnostics, []);
  assert.equal(mesh.outboundTrafficPolicy?.mode, "REGISTRY_ONLY");
  assert.equal(mesh.rootNamespace, "istio-system");
  assert.equal(mesh.defaultConfig?.holdApplicationUntilProxyStarts, true);
  assert.equal(mesh.defaultConfig?.tracing?.sampling, 10);
  assert.equal(mesh.defaultConfig?.discoveryAddress, "istiod.istio-system.svc:15012");
  assert.deepEqual(
    mesh.extensionProviders?.map((p) => p.name),
    ["prometheus", "stackdriver", "otel", "ext-authz-http", "envoy"],
  );
  assert.equal(mesh.extensionProviders?.find((p) => p.name === "envoy")?.envoyFileAccessLog?.path, "/dev/stderr");
});

test("an empty mesh config is the defaults", () => {
  const { mesh, diagnostics } = decodeMeshConfig("", "mesh.yaml");
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(mesh, defaultMeshConfig());
});

test("errors carry path and line, and the defaults are returned", () => {
  const { mesh, diagnostics } = decodeMeshConfig("trustDomain: cluster.local\noutboundTrafficPolicy:\n  mode: DENY_ALL\n", "mesh.yaml");
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0]?.path, "outboundTrafficPolicy.mode");
  assert.equal(diagnostics[0]?.line, 3);
  assert.match(diagnostics[0]?.message ?? "", /ALLOW_ANY, REGISTRY_ONLY/);
  assert.equal(mesh.outboundTrafficPolicy?.mode, "ALLOW_ANY");
  const unknown = decodeMeshConfig("enableAutoMTLS: true\n", "mesh.yaml").diagnostics;
  assert.match(unknown[0]?.message ?? "", /unknown field "enableAutoMTLS".*enableAutoMtls/);
});

test("semantic checks: trust domain, retry policy, providers, locality weights, connect timeout", () => {
  const check = (text: string, path: string, message: RegExp) => {
    const d = decodeMeshConfig(text, "m.yaml").diagnostics;
    assert.ok(d.some((x) => x.path === path && message.test(x.message)), `${path} ${String(message)}: ${JSON.stringify(d)}`);
  };
  check("trustDomain: Bad_Domain\n", "trustDomain", /invalid/);
  check("defaultHttpRetryPolicy:\n  attempts: 3\n  retryOn: 5xx,sometimes\n", "defaultHttpRetryPolicy.retryOn", /"sometimes" is not a valid retryOn/);
  check("extensionProviders:\n- name: z\n  zipkin:\n    service: zipkin.istio-system\n", "extensionProviders[0].zipkin.port", /port is required/);
  check("extensionProviders:\n- name: z\n", "extensionProviders[0]", /exactly one provider/);
  check("localityLbSetting:\n  distribute:\n  - from: us-west/*\n    to:\n      us-west/*: 60\n      us-east/*: 20\n", "localityLbSetting.distribute[0].to", /total locality weight 80 != 100/);
  check("connectTimeout: 2h\n", "connectTimeout", /between/);
  check("defaultConfig:\n  discoveryAddress: istiod\n", "defaultConfig.discoveryAddress", /host:port/);
});

test("the ConfigMap istio is validated through the decoder, with paths into data.mesh", () => {
  const cm = (mesh: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: |-\n${mesh
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n")}\n  meshNetworks: "networks: {}"\n`;
  expectClean(cm("accessLogFile: /dev/stdout\ndefaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\nenableAutoMtls: true"));
  const diags = diagnosticsOf(cm("outboundTrafficPolicy:\n  mode: SOMETIMES"));
  assert.equal(diags.length, 1);
  assert.equal(diags[0]?.path, "data.mesh");
  assert.match(diags[0]?.message ?? "", /^outboundTrafficPolicy\.mode: mode must be one of/);
  assert.match(diags[0]?.message ?? "", /\(line 2 of the mesh config\)$/);
  const direct = meshConfigFromConfigMap({ metadata: { name: "istio", namespace: "istio-system" }, data: { mesh: "rootNamespace: mesh-root" } });
  assert.deepEqual(direct.diagnostics, []);
  assert.equal(direct.mesh.rootNamespace, "mesh-root");
});

test("Istio docs mesh configs decode cleanly (ext-authz with ports as strings, OpenTelemetry access logs)", () => {
  const extAuthz = decodeMeshConfig(
    `# Add the following content to define the external authorizers.
extensionProviders:
- name: "sample-ext-authz-grpc"
  envoyExtAuthzGrpc:
    service: "ext-authz.foo.svc.cluster.local"
    port: "9000"
- name: "sample-ext-authz-http"
  envoyExtAuthzHttp:
    service: "ext-authz.foo.svc.cluster.local"
    port: "8000"
    includeRequestHeadersInCheck: ["x-ext-authz"]
- name: "oauth2-proxy"
  envoyExtAuthzHttp:
    service: "oauth2-proxy.foo.svc.cluster.local"
    port: "4180" # The default port used by oauth2-proxy.
    includeRequestHeadersInCheck: ["authorization", "cookie"]
    headersToUpstreamOnAllow: ["authorization", "path", "x-auth-request-user", "x-auth-request-email", "x-auth-request-access-token"]
    headersToDownstreamOnAllow: ["set-cookie"]
    headersToDownstreamOnDeny: ["content-type", "set-cookie"]
`,
    "mesh.yaml",
  );
  assert.deepEqual(extAuthz.diagnostics, []);
  assert.equal(extAuthz.mesh.extensionProviders?.find((p) => p.name === "sample-ext-authz-grpc")?.envoyExtAuthzGrpc?.port, 9000);

  const otel = decodeMeshConfig(
    `accessLogFile: /dev/stdout
extensionProviders:
- name: otel
  envoyOtelAls:
    service: opentelemetry-collector.istio-system.svc.cluster.local
    port: 4317
defaultProviders:
  accessLogging:
  - envoy
  - otel
`,
    "mesh.yaml",
  );
  assert.deepEqual(otel.diagnostics, []);

  const tracing = decodeMeshConfig(
    `enableTracing: true
defaultConfig:
  tracing: {} # disabled MeshConfig tracing options
  gatewayTopology:
    numTrustedProxies: 1
extensionProviders:
# add zipkin provider
- name: zipkin
  zipkin:
    service: zipkin.istio-system.svc.cluster.local
    port: 9411
    maxTagLength: 256
`,
    "mesh.yaml",
  );
  assert.deepEqual(tracing.diagnostics, []);

  expectClean(`apiVersion: v1
kind: ConfigMap
metadata:
  name: istio
  namespace: istio-system
data:
  mesh: |-
    accessLogFile: /dev/stdout
    defaultConfig:
      discoveryAddress: istiod.istio-system.svc:15012
      proxyMetadata: {}
      tracing:
        zipkin:
          address: zipkin.istio-system:9411
    enablePrometheusMerge: true
    extensionProviders:
    - name: otel
      envoyOtelAls:
        service: opentelemetry-collector.istio-system.svc.cluster.local
        port: 4317
    rootNamespace: istio-system
    trustDomain: cluster.local
  meshNetworks: 'networks: {}'
`);
});

test("default providers must name a configured provider (a warning)", () => {
  const { diagnostics } = decodeMeshConfig("defaultProviders:\n  tracing: [jaeger]\n", "mesh.yaml");
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0]?.severity, "warning");
  assert.equal(diagnostics[0]?.path, "defaultProviders.tracing[0]");
});

test("proto field names (snake_case) are read as their JSON names, as Istio reads MeshConfig; map keys stay as written", () => {
  // The MeshConfig of Istio's "Configure tracing using MeshConfig and Pod annotations" task.
  const { mesh, diagnostics } = decodeMeshConfig(`enable_tracing: true
default_config:
  tracing:
    sampling: 10
    max_path_tag_length: 256
    custom_tags:
      my_tag_header:
        header:
          name: host
      clusterID:
        environment:
          name: ISTIO_META_CLUSTER_ID
`, "mesh.yaml");
  assert.deepEqual(diagnostics, []);
  assert.equal(mesh.enableTracing, true);
  assert.equal(mesh.defaultConfig?.tracing?.sampling, 10);
  assert.equal(mesh.defaultConfig?.tracing?.maxPathTagLength, 256);
  assert.deepEqual(Object.keys(mesh.defaultConfig?.tracing?.customTags ?? {}).sort(), ["clusterID", "my_tag_header"]);
  const unknown = decodeMeshConfig("default_config:\n  tracing:\n    no_such_field: 1\n", "mesh.yaml");
  assert.equal(unknown.diagnostics[0]?.path, "defaultConfig.tracing.no_such_field", "a name that is neither stays an error");
});

test("an error in a field written by its proto name points at its line", () => {
  const { diagnostics } = decodeMeshConfig("enable_tracing: true\ndefault_config:\n  tracing:\n    sampling: 500\n", "mesh.yaml");
  assert.equal(diagnostics[0]?.path, "defaultConfig.tracing.sampling");
  assert.equal(diagnostics[0]?.line, 4);
});
