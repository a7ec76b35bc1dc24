// Shared by the control-plane tests: a temp config dir, a started in-process control plane with its
// log captured, a recording ADS client, bounded waiting, and running bin/mizzen.js.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL } from "../src/api/envoy/type-urls.js";
import { ControlPlane } from "../src/controlplane/index.js";
import type { EnvoyJson } from "../src/proxy/contracts.js";
import { AdsClient, type DecodedResource, type ResourceError } from "../src/proxy/xds/ads-client.js";

export const BIN = fileURLToPath(new URL("../../bin/mizzen.js", import.meta.url));

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface StartedControlPlane {
  readonly cp: ControlPlane;
  readonly dir: string;
  readonly xdsPort: number;
  readonly monitoringPort: number;
  readonly logs: string[];
  write(file: string, text: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startControlPlane(files: Record<string, string>): Promise<StartedControlPlane> {
  const dir = await mkdtemp(join(tmpdir(), "mizzen-cp-"));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const logs: string[] = [];
  const cp = new ControlPlane({ configDir: dir, xdsAddress: "127.0.0.1:0", monitoringHost: "127.0.0.1", monitoringPort: 0, version: "test", log: (m) => logs.push(m) });
  const { xdsPort, monitoringPort } = await cp.start();
  return {
    cp, dir, xdsPort, monitoringPort, logs,
    write: (file, text) => writeFile(join(dir, file), text),
    stop: async () => {
      await cp.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** An ADS client that follows LDS→RDS and CDS→EDS names, counts updates per type and can reject. */
export class RecordingAdsClient {
  readonly client: AdsClient;
  readonly resources = new Map<string, Map<string, EnvoyJson>>();
  readonly updates = new Map<string, number>();
  reject: (typeUrl: string, r: DecodedResource) => string | undefined = () => undefined;

  constructor(address: string, nodeId: string, metadata: Record<string, string> = {}, delta = false) {
    this.client = new AdsClient({
      address, delta, node: { id: nodeId, cluster: "test.default", metadata }, backoff: { initialMs: 50, maxMs: 200 },
      applier: (typeUrl, resources, removed) => this.apply(typeUrl, resources, removed),
    });
  }

  start(): this {
    this.client.start();
    return this;
  }

  stop(): void {
    this.client.stop();
  }

  of(typeUrl: string): Map<string, EnvoyJson> {
    let m = this.resources.get(typeUrl);
    if (!m) {
      m = new Map();
      this.resources.set(typeUrl, m);
    }
    return m;
  }

  count(typeUrl: string): number {
    return this.updates.get(typeUrl) ?? 0;
  }

  private apply(typeUrl: string, resources: DecodedResource[], removed: string[]): ResourceError[] {
    const errors: ResourceError[] = [];
    const m = this.of(typeUrl);
    for (const r of resources) {
      const error = this.reject(typeUrl, r);
      if (error) errors.push({ name: r.name, error });
      else m.set(r.name, r.resource);
    }
    for (const n of removed) m.delete(n);
    this.updates.set(typeUrl, this.count(typeUrl) + 1);
    if (typeUrl === CDS_TYPE_URL) this.client.setResourceNames(EDS_TYPE_URL, m.keys());
    if (typeUrl === LDS_TYPE_URL) {
      const routes = new Set<string>();
      for (const l of m.values()) collectRouteNames(l, routes, 0);
      this.client.setResourceNames(RDS_TYPE_URL, routes);
    }
    return errors;
  }
}

/** Every `rds.route_config_name` inside a listener (API listener or filter chains). */
function collectRouteNames(v: unknown, out: Set<string>, depth: number): void {
  if (depth > 32 || v === null || typeof v !== "object") return;
  if (Array.isArray(v)) {
    for (const x of v) collectRouteNames(x, out, depth + 1);
    return;
  }
  const o = v as Record<string, unknown>;
  const name = (o.rds as { route_config_name?: unknown } | undefined)?.route_config_name;
  if (typeof name === "string" && name !== "") out.add(name);
  for (const x of Object.values(o)) collectRouteNames(x, out, depth + 1);
}

export function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export async function getJson(port: number, path: string): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return res.json();
}

export async function postJson(port: number, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  return { status: res.status, body: await res.json() };
}

export function echoService(name = "echo", port = 50051): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: default
spec:
  selector:
    app: ${name}
  ports:
  - name: grpc
    port: ${port}
`;
}

export const ECHO_SUBSETS = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: echo
  namespace: default
spec:
  host: echo
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
`;

/** An Envoy bootstrap for a proxy that gets everything over ADS from a control plane at host:port. */
export function adsBootstrap(o: { nodeId: string; cluster: string; metadata: Record<string, unknown>; xdsPort: number; xdsHost?: string; adminPort?: number }): {
  node: object;
  admin: object;
  dynamic_resources: object;
  static_resources: { clusters: Record<string, unknown>[] };
} {
  return {
    node: { id: o.nodeId, cluster: o.cluster, metadata: o.metadata },
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: o.adminPort ?? 0 } } },
    dynamic_resources: {
      ads_config: { api_type: "GRPC", transport_api_version: "V3", grpc_services: [{ envoy_grpc: { cluster_name: "xds-grpc" } }] },
      cds_config: { ads: {}, resource_api_version: "V3" },
      lds_config: { ads: {}, resource_api_version: "V3" },
    },
    static_resources: {
      clusters: [{
        name: "xds-grpc", type: "STATIC", connect_timeout: "1s",
        typed_extension_protocol_options: { "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": { "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions", explicit_http_config: { http2_protocol_options: {} } } },
        load_assignment: { cluster_name: "xds-grpc", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: o.xdsHost ?? "127.0.0.1", port_value: o.xdsPort } } } }] }] },
      }],
    },
  };
}
