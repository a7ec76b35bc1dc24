import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeMeshConfig } from "../../config/mesh/index.js";
import { MizzenError } from "../../errors.js";
import { telemetryForProxy } from "../../pilot/telemetry/index.js";
import { demoMeshConfig, MESH_TRACING_PROVIDER, parseTracingEndpoint, startMeshTraceStore, tracingMeshConfigFile, withTracing } from "./demo-telemetry.js";

const identity = { canonicalService: "productpage", canonicalRevision: "v1", namespace: "default", meshId: "cluster.local", clusterId: "Kubernetes" };

test("tracing endpoints: host, port (80 by default), Zipkin's path by default; bad ones are MIZZEN_ERR_TRACING_ENDPOINT", () => {
  assert.deepEqual(parseTracingEndpoint("http://jaeger.observability:9411"), { service: "jaeger.observability", port: 9411, path: "/api/v2/spans" });
  assert.deepEqual(parseTracingEndpoint("http://10.0.0.5/zipkin/spans"), { service: "10.0.0.5", port: 80, path: "/zipkin/spans" });
  for (const bad of ["not a url", "https://x:9411", "grpc://x:4317"]) {
    assert.throws(() => parseTracingEndpoint(bad), (e: unknown) => e instanceof MizzenError && e.code === "MIZZEN_ERR_TRACING_ENDPOINT");
  }
});

test("the demo MeshConfig decodes and gives every HCM access logs and 100 % zipkin tracing to the store", () => {
  const { mesh, errors } = decodeMeshConfig(demoMeshConfig(), "demo-mesh.yaml") as { mesh: Parameters<typeof telemetryForProxy>[0]["mesh"]; errors?: unknown[] };
  assert.deepEqual(errors ?? [], []);
  const t = telemetryForProxy({ telemetries: [], mesh, workload: { namespace: "default", labels: { app: "productpage" } }, identity });
  for (const side of [t.inbound, t.outbound]) {
    assert.equal(side.access_log.length, 1);
    const tr = side.tracing as { random_sampling: { value: number }; provider: { typed_config: { collector_cluster: string } } };
    assert.equal(tr.random_sampling.value, 100);
    assert.equal(tr.provider.typed_config.collector_cluster, "outbound|9411||127.0.0.1");
  }
  const elsewhere = decodeMeshConfig(demoMeshConfig({ tracingEndpoint: "http://collector:9999" }), "m.yaml").mesh;
  assert.deepEqual(elsewhere.extensionProviders?.find((p) => p.name === MESH_TRACING_PROVIDER)?.zipkin, { service: "collector", port: 9999, path: "/api/v2/spans" });
});

test("--tracing-endpoint keeps the user's MeshConfig and replaces an earlier tracing provider of ours", async () => {
  const dir = await mkdtemp(join(tmpdir(), "mizzen-demo-tel-"));
  try {
    const user = join(dir, "mesh.yaml");
    await writeFile(user, withTracing("accessLogEncoding: JSON\nextensionProviders:\n- name: otel\n  opentelemetry: { service: o, port: 4318, http: {} }\n", parseTracingEndpoint("http://old:1")));
    const file = tracingMeshConfigFile(join(dir, "state"), user, "http://new:9411");
    const mesh = decodeMeshConfig(await readFile(file, "utf8"), file).mesh;
    assert.equal(mesh.accessLogEncoding, "JSON");
    assert.deepEqual(mesh.extensionProviders?.map((p) => p.name).filter((n) => n === "otel" || n === MESH_TRACING_PROVIDER), ["otel", MESH_TRACING_PROVIDER]);
    assert.equal(mesh.extensionProviders?.find((p) => p.name === MESH_TRACING_PROVIDER)?.zipkin?.service, "new");
    assert.deepEqual(mesh.defaultProviders?.tracing, [MESH_TRACING_PROVIDER]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the mesh's trace store takes Zipkin spans on 127.0.0.1 and lists them", async () => {
  const s = await startMeshTraceStore(0);
  try {
    const span = { traceId: "a".repeat(32), id: "b".repeat(16), name: "x", kind: "SERVER", timestamp: Date.now() * 1000, duration: 5, localEndpoint: { serviceName: "productpage.default" } };
    assert.equal((await fetch(`http://127.0.0.1:${s.port}/api/v2/spans`, { method: "POST", body: JSON.stringify([span]), headers: { "content-type": "application/json" } })).status < 300, true);
    assert.deepEqual(await (await fetch(`http://127.0.0.1:${s.port}/api/v2/services`)).json(), ["productpage.default"]);
  } finally {
    await s.close();
  }
});
