// Checks beyond the protos that the proxy needs of a bootstrap: the ADS server is a static cluster,
// xDS sources are ADS, names are unique.
import type { FieldProblem } from "../../api/envoy/problems.js";
import type { EnvoyJson } from "../contracts.js";

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined;
}

function list(v: unknown): Obj[] {
  return Array.isArray(v) ? (v.map(obj).filter((x) => x !== undefined) as Obj[]) : [];
}

function duplicates(items: Obj[], key: string, base: readonly (string | number)[]): FieldProblem[] {
  const seen = new Set<string>();
  const out: FieldProblem[] = [];
  items.forEach((item, i) => {
    const name = String(item[key] ?? "");
    if (seen.has(name)) out.push({ path: [...base, i, key], message: `duplicate name "${name}"` });
    seen.add(name);
  });
  return out;
}

export function bootstrapProblems(b: EnvoyJson): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const statics = obj(b.static_resources) ?? {};
  const clusters = list(statics.clusters);
  problems.push(...duplicates(clusters, "name", ["static_resources", "clusters"]));
  problems.push(...duplicates(list(statics.listeners), "name", ["static_resources", "listeners"]));
  problems.push(...duplicates(list(statics.secrets), "name", ["static_resources", "secrets"]));
  const staticNames = new Set(clusters.map((c) => String(c.name ?? "")));
  const dyn = obj(b.dynamic_resources);
  if (!dyn) return problems;
  const ads = obj(dyn.ads_config);
  const base = ["dynamic_resources"];
  // The ADS server identifies the proxy by node.id; Envoy refuses xDS without it, and so does Mizzen.
  if (ads && String(obj(b.node)?.id ?? "") === "") problems.push({ path: ["node", "id"], message: "node.id is required with dynamic_resources.ads_config" });
  if (ads) {
    const apiType = String(ads.api_type ?? "LEGACY_REST");
    if (apiType !== "GRPC" && apiType !== "DELTA_GRPC") {
      problems.push({ path: [...base, "ads_config", "api_type"], message: `api_type ${apiType} is not supported for ADS (use GRPC or DELTA_GRPC)` });
    }
    const services = list(ads.grpc_services);
    if (services.length === 0) problems.push({ path: [...base, "ads_config", "grpc_services"], message: "ADS needs one grpc_services entry" });
    services.forEach((svc, i) => {
      const envoyGrpc = obj(svc.envoy_grpc);
      const p = [...base, "ads_config", "grpc_services", i];
      if (!envoyGrpc) {
        problems.push({ path: p, message: "only envoy_grpc (a static cluster) is supported as the ADS server" });
        return;
      }
      const name = String(envoyGrpc.cluster_name ?? "");
      if (!staticNames.has(name)) problems.push({ path: [...p, "envoy_grpc", "cluster_name"], message: `cluster "${name}" is not a static cluster of this bootstrap` });
    });
  }
  for (const key of ["lds_config", "cds_config"]) {
    const source = obj(dyn[key]);
    if (!source) continue;
    if (!obj(source.ads)) problems.push({ path: [...base, key], message: `only ADS config sources ({ ads: {} }) are supported` });
    else if (!ads) problems.push({ path: [...base, key], message: "uses ADS but dynamic_resources.ads_config is missing" });
  }
  return problems;
}

/** The ADS server a bootstrap points at, or undefined when it has no dynamic resources. */
export interface AdsTarget {
  readonly clusterName: string;
  readonly delta: boolean;
  /** host:port of the static cluster's first endpoint. */
  readonly address: string;
}

export function adsTargetOf(b: EnvoyJson): AdsTarget | undefined {
  const ads = obj(obj(b.dynamic_resources)?.ads_config);
  if (!ads) return undefined;
  const clusterName = String(obj(list(ads.grpc_services)[0]?.envoy_grpc)?.cluster_name ?? "");
  const cluster = list(obj(b.static_resources)?.clusters).find((c) => c.name === clusterName);
  const endpoint = list(list(obj(cluster?.load_assignment)?.endpoints)[0]?.lb_endpoints)[0];
  const sock = obj(obj(obj(endpoint?.endpoint)?.address)?.socket_address);
  if (!sock) return undefined;
  const host = String(sock.address ?? "");
  const port = Number(sock.port_value ?? 0);
  return { clusterName, delta: ads.api_type === "DELTA_GRPC", address: `${host.includes(":") ? `[${host}]` : host}:${port}` };
}
