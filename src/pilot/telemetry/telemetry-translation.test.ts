// Telemetry API → Envoy fragments: scope precedence (mesh → namespace → workload), modes,
// providers from MeshConfig, and fragments the Mizzen proxy's HCM compiles.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeText } from "../../config/decode/text.js";
import { decodeMeshConfig } from "../../config/mesh/decode-mesh.js";
import type { Telemetry } from "../../config/kinds/telemetry/index.js";
import { compileHcmConfig } from "../../proxy/http/hcm-config.js";
import "../../proxy/http/filters/builtin.js";
import { telemetryForProxy, effectiveTelemetry } from "./index.js";

const MESH = `
rootNamespace: istio-system
accessLogEncoding: JSON
defaultConfig:
  tracing:
    sampling: 1
extensionProviders:
- name: zipkin
  zipkin: { service: zipkin.istio-system.svc.cluster.local, port: 9411 }
- name: otel
  opentelemetry: { service: otel.observability.svc.cluster.local, port: 4318, http: { path: /v1/traces } }
- name: errors-file
  envoyFileAccessLog: { path: /tmp/errors.log, logFormat: { text: "%RESPONSE_CODE% %REQ(:PATH)%" } }
defaultProviders:
  tracing: [zipkin]
`;

const TELEMETRY = `
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: mesh-default, namespace: istio-system, creationTimestamp: "2024-01-01T00:00:00Z" }
spec:
  tracing:
  - randomSamplingPercentage: 10
    customTags: { team: { literal: { value: mesh } } }
  accessLogging:
  - providers: [{ name: envoy }]
  metrics:
  - overrides:
    - match: { metric: REQUEST_COUNT }
      tagOverrides: { request_protocol: { operation: REMOVE } }
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: ns, namespace: bookinfo }
spec:
  tracing:
  - randomSamplingPercentage: 100
    customTags: { user: { header: { name: x-user, defaultValue: anon } } }
  accessLogging:
  - filter: { expression: "response.code >= 400" }
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: reviews, namespace: bookinfo }
spec:
  selector: { matchLabels: { app: reviews } }
  tracing:
  - match: { mode: SERVER }
    providers: [{ name: otel }]
  accessLogging:
  - match: { mode: CLIENT }
    disabled: true
  metrics:
  - overrides:
    - match: { metric: REQUEST_DURATION, mode: SERVER }
      disabled: true
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: other-ns, namespace: other }
spec:
  tracing:
  - randomSamplingPercentage: 50
`;

function load(): { telemetries: Telemetry[]; mesh: ReturnType<typeof decodeMeshConfig>["mesh"] } {
  const r = decodeText(TELEMETRY, "telemetry.yaml");
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === "error"), []);
  const m = decodeMeshConfig(MESH, "mesh.yaml");
  assert.deepEqual(m.diagnostics.filter((d) => d.severity === "error"), []);
  return { telemetries: r.resources as Telemetry[], mesh: m.mesh };
}

const identity = { canonicalService: "reviews", canonicalRevision: "v1", namespace: "bookinfo", meshId: "cluster.local", clusterId: "Kubernetes" };

test("precedence: workload over namespace over mesh, per field and per mode", () => {
  const { telemetries, mesh } = load();
  const eff = effectiveTelemetry(telemetries, { namespace: "bookinfo", labels: { app: "reviews" } }, "istio-system", mesh.defaultProviders ?? {});
  assert.deepEqual(eff.tracing.SERVER.providers, ["otel"]);
  assert.deepEqual(eff.tracing.CLIENT.providers, ["zipkin"]);
  assert.equal(eff.tracing.CLIENT.randomSamplingPercentage, 100);
  assert.deepEqual(Object.keys(eff.tracing.CLIENT.customTags).sort(), ["team", "user"]);
  assert.equal(eff.accessLogging.CLIENT.disabled, true);
  assert.equal(eff.accessLogging.SERVER.disabled, false);
  assert.equal(eff.accessLogging.SERVER.filter, "response.code >= 400");
  assert.equal(eff.metrics.SERVER.overrides.length, 2);
  assert.equal(eff.metrics.CLIENT.overrides.length, 1);
  const ratings = effectiveTelemetry(telemetries, { namespace: "bookinfo", labels: { app: "ratings" } }, "istio-system", mesh.defaultProviders ?? {});
  assert.equal(ratings.accessLogging.CLIENT.disabled, false);
  const elsewhere = effectiveTelemetry(telemetries, { namespace: "default", labels: {} }, "istio-system", mesh.defaultProviders ?? {});
  assert.equal(elsewhere.tracing.CLIENT.randomSamplingPercentage, 10);
});

test("fragments for a reviews sidecar compile in the proxy's connection manager", () => {
  const { telemetries, mesh } = load();
  const f = telemetryForProxy({ telemetries, mesh, workload: { namespace: "bookinfo", labels: { app: "reviews" } }, identity });
  assert.deepEqual(f.inbound.warnings, []);
  assert.equal(f.outbound.access_log.length, 0);
  assert.equal(f.inbound.access_log.length, 1);
  const log = f.inbound.access_log[0] as { typed_config: { log_format: Record<string, unknown> }; filter?: unknown };
  assert.ok("json_format" in log.typed_config.log_format, "the built-in envoy provider follows accessLogEncoding JSON");
  assert.ok(log.filter !== undefined);
  const inTracing = f.inbound.tracing as { provider: { name: string }; random_sampling: { value: number }; custom_tags: { tag: string }[] };
  assert.equal(inTracing.provider.name, "envoy.tracers.opentelemetry");
  assert.equal(inTracing.random_sampling.value, 100);
  assert.ok(inTracing.custom_tags.some((t) => t.tag === "istio.canonical_service"));
  assert.equal((f.outbound.tracing as { provider: { name: string } }).provider.name, "envoy.tracers.zipkin");
  const stats = f.inbound.http_filters[0] as { name: string; typed_config: { metrics: { name: string; drop?: boolean; tags_to_remove?: string[] }[] } };
  assert.equal(stats.name, "istio.stats");
  assert.deepEqual(stats.typed_config.metrics, [{ name: "requests_total", tags_to_remove: ["request_protocol"] }, { name: "request_duration_milliseconds", drop: true }]);
  for (const side of [f.inbound, f.outbound]) {
    const hcm = compileHcmConfig({
      stat_prefix: "inbound_0.0.0.0_9080",
      route_config: { name: "r", virtual_hosts: [] },
      access_log: side.access_log,
      ...(side.tracing === undefined ? {} : { tracing: side.tracing }),
      http_filters: [...side.http_filters, { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
    });
    assert.ok(hcm.telemetry !== null);
  }
});

test("no Telemetry: MeshConfig accessLogFile and defaults; unsupported providers warn instead of failing", () => {
  const m = decodeMeshConfig("accessLogFile: /dev/stdout\nenableTracing: true\nextensionProviders:\n- name: sd\n  stackdriver: {}\ndefaultProviders:\n  tracing: [sd]\n", "mesh.yaml").mesh;
  const f = telemetryForProxy({ telemetries: [], mesh: m, workload: { namespace: "default", labels: {} }, identity });
  assert.equal(f.outbound.access_log.length, 1);
  const text = (f.outbound.access_log[0] as { typed_config: { log_format: { text_format_source: { inline_string: string } } } }).typed_config.log_format.text_format_source.inline_string;
  assert.match(text, /^\[%START_TIME%\] "%REQ\(:METHOD\)% /);
  assert.equal(f.outbound.tracing, undefined);
  assert.equal(f.outbound.warnings.length, 1);
  assert.equal(f.outbound.http_filters.length, 1);
});
