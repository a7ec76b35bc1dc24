// The running mesh's config directory (<stateDir>/config, watched by the control plane): every
// applied resource in its own file `<namespace>.<kind>.<name>.yaml`, so `apply` overwrites and
// `delete` removes exactly one object. Input is validated first (every error by file and field);
// nothing is written when anything is wrong.
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { decodePaths } from "../../../config/decode/index.js";
import { formatDiagnostic } from "../../../config/diagnostic.js";
import type { Deployment } from "../../../config/kinds/core/index.js";
import type { Resource } from "../../../config/resource.js";
import { MizzenError, errorMessage } from "../../../errors.js";
import { planDeployment } from "../pod-plan.js";

/** Kinds without a namespace. */
const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"]);

export function resourceFileName(r: Pick<Resource, "kind" | "metadata">): string {
  const ns = CLUSTER_SCOPED.has(r.kind) ? "_cluster" : r.metadata.namespace ?? "default";
  return `${ns}.${r.kind.toLowerCase()}.${r.metadata.name}.yaml`;
}

/**
 * Decodes and validates files or directories; throws MIZZEN_ERR_MANIFEST naming every bad file and
 * field (decode and validation errors, and Deployments the local platform cannot run) in one go.
 */
export async function loadValidated(paths: readonly string[]): Promise<Resource[]> {
  const { resources, diagnostics } = await decodePaths(paths);
  const problems = diagnostics.filter((d) => d.severity === "error").map((d) => formatDiagnostic(d));
  for (const d of deploymentsOf(resources)) {
    try {
      planDeployment(d);
    } catch (e) {
      problems.push(errorMessage(e));
    }
  }
  if (problems.length > 0) {
    throw new MizzenError("MIZZEN_ERR_MANIFEST", `invalid manifests (${problems.length} error${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  ${p}`).join("\n")}`, { details: problems });
  }
  return resources;
}

/** The resource as YAML without decode-time bookkeeping (source). */
function toYaml(r: Resource): string {
  const { source, ...rest } = r;
  void source;
  return stringify(rest);
}

/**
 * Istio's ingress gateway Service maps port 80 to 8080 in the pod. Without network namespaces
 * (NONE) the gateway shares the host's ports, so its server port 80 becomes the ingress port
 * itself (and 443 the HTTPS ingress port), where the host reaches it directly.
 */
export function mapGatewayPorts(r: Resource, ingressPort: number, ingressHttpsPort?: number): Resource {
  if (r.kind !== "Gateway") return r;
  const spec = r["spec"] as { selector?: Record<string, string>; servers?: { port?: { number?: number } }[] } | undefined;
  // The egress gateway is reached from the mesh, not from the host (none-ports.ts maps its ports).
  if (spec?.selector?.["istio"] === "egressgateway") return r;
  const map = new Map<number, number>([[80, ingressPort], ...(ingressHttpsPort ? [[443, ingressHttpsPort] as [number, number]] : [])]);
  if (!spec?.servers?.some((s) => map.has(s.port?.number ?? -1))) return r;
  const servers = spec.servers.map((s) => {
    const to = map.get(s.port?.number ?? -1);
    return to === undefined ? s : { ...s, port: { ...s.port, number: to } };
  });
  return { ...r, spec: { ...spec, servers } };
}

export function writeResources(configDir: string, resources: readonly Resource[], map: (r: Resource) => Resource = (r) => r): string[] {
  mkdirSync(configDir, { recursive: true });
  const written: string[] = [];
  for (const r of resources) {
    const name = resourceFileName(r);
    const file = join(configDir, name);
    writeFileSync(`${file}.tmp`, toYaml(map(r)));
    renameSync(`${file}.tmp`, file);
    written.push(name);
  }
  return written;
}

/** Removes the files of these resources; returns which existed. */
export function removeResources(configDir: string, resources: readonly Resource[]): { removed: string[]; missing: string[] } {
  const present = new Set(readdirSync(configDir));
  const out = { removed: [] as string[], missing: [] as string[] };
  for (const r of resources) {
    const name = resourceFileName(r);
    if (present.has(name)) {
      rmSync(join(configDir, name), { force: true });
      out.removed.push(name);
    } else out.missing.push(name);
  }
  return out;
}

/** Everything currently in the config directory (decoded; files that fail to decode are skipped). */
export async function readConfigDir(configDir: string): Promise<Resource[]> {
  return (await decodePaths([configDir])).resources;
}

export function deploymentsOf(resources: readonly Resource[]): Deployment[] {
  return resources.filter((r): r is Deployment => r.kind === "Deployment");
}
