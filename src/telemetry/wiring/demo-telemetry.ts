// The local mesh's telemetry profile: the demo's MeshConfig (access logs to the proxies' stdout,
// 100 % sampling, a zipkin provider) and the built-in trace store the demo runs on
// 127.0.0.1:9411 (Zipkin's API), or a collector the user names with --tracing-endpoint.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument, stringify } from "yaml";
import { MizzenError } from "../../errors.js";
import { startTraceStoreServer, type TraceStoreServer } from "../index.js";

export const DEMO_TRACE_STORE_PORT = 9411;
/** The extension provider's name in the generated MeshConfig. */
export const MESH_TRACING_PROVIDER = "mizzen-zipkin";

export interface ZipkinEndpoint {
  service: string;
  port: number;
  path: string;
}

/** `http://host:port/path` (Zipkin v2 JSON, default path /api/v2/spans); throws MIZZEN_ERR_TRACING_ENDPOINT. */
export function parseTracingEndpoint(url: string): ZipkinEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new MizzenError("MIZZEN_ERR_TRACING_ENDPOINT", `--tracing-endpoint: not a URL: ${JSON.stringify(url)}`);
  }
  if (u.protocol !== "http:") throw new MizzenError("MIZZEN_ERR_TRACING_ENDPOINT", `--tracing-endpoint: only http:// collectors are supported, got ${JSON.stringify(url)}`);
  const port = u.port === "" ? 80 : Number(u.port);
  const path = u.pathname === "/" || u.pathname === "" ? "/api/v2/spans" : u.pathname;
  return { service: u.hostname.replace(/^\[|\]$/g, ""), port, path };
}

/**
 * MeshConfig YAML with tracing to `endpoint` at `sampling` percent, merged into `base` (a MeshConfig
 * YAML text, possibly empty): the provider is added to extensionProviders and made the default.
 */
export function withTracing(base: string, endpoint: ZipkinEndpoint, sampling = 100): string {
  const doc = parseDocument(base.trim() === "" ? "{}" : base);
  const raw: unknown = doc.toJS();
  const mesh: Record<string, unknown> = typeof raw === "object" && raw !== null && !Array.isArray(raw) ? { ...(raw as Record<string, unknown>) } : {};
  const providers = Array.isArray(mesh["extensionProviders"]) ? (mesh["extensionProviders"] as unknown[]).filter((p) => (p as { name?: unknown } | null)?.name !== MESH_TRACING_PROVIDER) : [];
  providers.push({ name: MESH_TRACING_PROVIDER, zipkin: { service: endpoint.service, port: endpoint.port, path: endpoint.path } });
  mesh["extensionProviders"] = providers;
  const defaults = typeof mesh["defaultProviders"] === "object" && mesh["defaultProviders"] !== null ? { ...(mesh["defaultProviders"] as Record<string, unknown>) } : {};
  defaults["tracing"] = [MESH_TRACING_PROVIDER];
  mesh["defaultProviders"] = defaults;
  mesh["enableTracing"] = true;
  const dc = typeof mesh["defaultConfig"] === "object" && mesh["defaultConfig"] !== null ? { ...(mesh["defaultConfig"] as Record<string, unknown>) } : {};
  dc["tracing"] = { ...((dc["tracing"] as Record<string, unknown> | undefined) ?? {}), sampling };
  mesh["defaultConfig"] = dc;
  return stringify(mesh);
}

/** The demo profile's MeshConfig: access logs on, every request traced to the store or `tracingEndpoint`. */
export function demoMeshConfig(o: { tracingEndpoint?: string | undefined; traceStorePort?: number } = {}): string {
  const endpoint = o.tracingEndpoint !== undefined
    ? parseTracingEndpoint(o.tracingEndpoint)
    : { service: "127.0.0.1", port: o.traceStorePort ?? DEMO_TRACE_STORE_PORT, path: "/api/v2/spans" };
  return withTracing("accessLogFile: /dev/stdout\n", endpoint, 100);
}

/** The built-in trace store on 127.0.0.1 while the mesh runs (Zipkin API: /api/v2/spans, /api/v2/traces …). */
export function startMeshTraceStore(port = DEMO_TRACE_STORE_PORT): Promise<TraceStoreServer> {
  return startTraceStoreServer({ port, host: "127.0.0.1" });
}

/** Writes `<stateDir>/tracing-mesh.yaml`: the MeshConfig of `meshFile` (if any) with tracing to `url`. */
export function tracingMeshConfigFile(stateDir: string, meshFile: string | undefined, url: string): string {
  const base = meshFile === undefined ? "" : readFileSync(meshFile, "utf8");
  const out = join(stateDir, "tracing-mesh.yaml");
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(out, withTracing(base, parseTracingEndpoint(url)));
  return out;
}
