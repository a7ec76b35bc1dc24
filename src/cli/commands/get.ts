// `mizzen get <kind> [name] [-n ns|-A] [-o yaml|json]`: resources of the running mesh (its config
// directory), or its pods (`get pods`), with kubectl's kind names and short names.
import { stringify } from "yaml";
import { lastValue, parseFlags } from "../../controlplane/cli/flags.js";
import type { Resource } from "../../config/resource.js";
import { errorMessage } from "../../errors.js";
import { readConfigDir } from "../../platform/local/mesh/config-dir.js";
import { statusTable } from "../../platform/local/mesh/pod-report.js";
import { readPods, runningMesh, stateDirOf } from "../../platform/local/mesh/state.js";
import type { Command } from "../registry.js";

const USAGE = `Usage: mizzen get KIND [NAME] [-n NAMESPACE | -A] [-o table|yaml|json] [--state-dir .mizzen]

KIND as kubectl takes it: virtualservices (vs), destinationrules (dr), gateways (gw), serviceentries
(se), services (svc), deployments (deploy), pods (po), authorizationpolicies, peerauthentications …`;

const SHORT: Record<string, string> = {
  vs: "virtualservice", dr: "destinationrule", gw: "gateway", se: "serviceentry", we: "workloadentry", wg: "workloadgroup",
  svc: "service", deploy: "deployment", po: "pod", sa: "serviceaccount", ns: "namespace", pa: "peerauthentication",
  ra: "requestauthentication", ap: "authorizationpolicy", cm: "configmap",
};

/** `VirtualServices`, `virtualservice.networking.istio.io`, `vs` → `virtualservice`. */
export function normalizeKind(k: string): string {
  const base = (k.toLowerCase().split(".")[0] ?? "").trim();
  if (SHORT[base]) return SHORT[base];
  if (base.endsWith("ies")) return `${base.slice(0, -3)}y`;
  if (base.endsWith("sses")) return base.slice(0, -2);
  if (base.endsWith("s") && !base.endsWith("ss")) return base.slice(0, -1);
  return base;
}

function strip(r: Resource): Record<string, unknown> {
  const { source, ...rest } = r;
  void source;
  return rest;
}

async function run(args: string[]): Promise<number> {
  try {
    const f = parseFlags(args, { values: { namespace: ["n"], output: ["o"], "state-dir": [] }, booleans: ["all-namespaces", "A", "help", "h"] });
    if (f.booleans.has("help") || f.booleans.has("h")) {
      console.log(USAGE);
      return 0;
    }
    const [kindArg, name] = f.positionals;
    if (!kindArg) throw new Error("a kind is required");
    const out = lastValue(f, "output") ?? "table";
    if (!["table", "yaml", "json", "wide"].includes(out)) throw new Error(`-o must be table, yaml or json, got "${out}"`);
    const all = f.booleans.has("all-namespaces") || f.booleans.has("A");
    const ns = all ? undefined : lastValue(f, "namespace") ?? "default";
    const stateDir = stateDirOf(lastValue(f, "state-dir"));
    let mesh;
    try {
      mesh = runningMesh(stateDir);
    } catch (e) {
      console.error(`mizzen get: ${errorMessage(e)}`);
      return 1;
    }
    const kind = normalizeKind(kindArg);
    if (kind === "pod") {
      const pods = readPods(stateDir).filter((p) => (ns === undefined || p.namespace === ns) && (name === undefined || p.name === name));
      if (out === "json" || out === "yaml") console.log(out === "json" ? JSON.stringify(pods, null, 2) : stringify(pods));
      else console.log(statusTable(pods));
      return name !== undefined && pods.length === 0 ? 1 : 0;
    }
    const found = (await readConfigDir(mesh.configDir)).filter((r) =>
      r.kind.toLowerCase() === kind && (ns === undefined || (r.metadata.namespace ?? "") === ns || r.metadata.namespace === undefined) && (name === undefined || r.metadata.name === name));
    if (name !== undefined && found.length === 0) {
      console.error(`mizzen get: ${kind} "${name}" not found${ns ? ` in namespace ${ns}` : ""}`);
      return 1;
    }
    if (out === "json") console.log(JSON.stringify(name !== undefined && found.length === 1 ? strip(found[0] as Resource) : { apiVersion: "v1", kind: "List", items: found.map(strip) }, null, 2));
    else if (out === "yaml") console.log(name !== undefined && found.length === 1 ? stringify(strip(found[0] as Resource)) : stringify({ apiVersion: "v1", kind: "List", items: found.map(strip) }));
    else {
      if (found.length === 0) {
        console.log(`No resources found${ns ? ` in ${ns} namespace` : ""}.`);
        return 0;
      }
      const rows = [["NAMESPACE", "KIND", "NAME"], ...found.map((r) => [r.metadata.namespace ?? "", r.kind, r.metadata.name])];
      const w = [0, 1].map((i) => Math.max(...rows.map((r) => (r[i] ?? "").length)) + 2);
      console.log(rows.map((r) => `${(r[0] ?? "").padEnd(w[0] ?? 0)}${(r[1] ?? "").padEnd(w[1] ?? 0)}${r[2] ?? ""}`).join("\n"));
    }
    return 0;
  } catch (e) {
    console.error(`mizzen get: ${errorMessage(e)}\n\n${USAGE}`);
    return 2;
  }
}

export const getCommand: Command = { name: "get", summary: "show resources or pods of the running local mesh", run };
