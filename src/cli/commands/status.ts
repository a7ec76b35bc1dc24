// `mizzen status`: the running mesh's pods (name, namespace, labels, ip, ready, restarts, capture).
import { lastValue, parseFlags } from "../../controlplane/cli/flags.js";
import { errorMessage } from "../../errors.js";
import { statusTable } from "../../platform/local/mesh/pod-report.js";
import { readPods, runningMesh, stateDirOf } from "../../platform/local/mesh/state.js";
import type { Command } from "../registry.js";

const USAGE = `Usage: mizzen status [--state-dir .mizzen] [-o table|json]

The pods of the running mesh: readiness, restarts, addresses, capture mode. JSON is a list of pods
with name, namespace, labels, ip, ready, restarts, captureMode, phase and containers.`;

async function run(args: string[]): Promise<number> {
  try {
    const f = parseFlags(args, { values: { "state-dir": [], output: ["o"] }, booleans: ["help", "h"] });
    if (f.booleans.has("help") || f.booleans.has("h")) {
      console.log(USAGE);
      return 0;
    }
    const out = lastValue(f, "output") ?? "table";
    if (out !== "table" && out !== "json" && out !== "wide") throw new Error(`-o must be table or json, got "${out}"`);
    const stateDir = stateDirOf(lastValue(f, "state-dir"));
    let mesh;
    try {
      mesh = runningMesh(stateDir);
    } catch (e) {
      console.error(`mizzen status: ${errorMessage(e)}`);
      return 1;
    }
    const pods = readPods(stateDir);
    if (out === "json") {
      console.log(JSON.stringify(pods, null, 2));
      return 0;
    }
    console.log(`mesh ${mesh.phase}, capture ${mesh.captureMode.toLowerCase()}, ingress http://127.0.0.1:${mesh.ingressPort}/, control plane xds ${mesh.controlPlane ? `${mesh.controlPlane.host}:${mesh.controlPlane.xdsPort} monitoring 127.0.0.1:${mesh.controlPlane.monitoringPort}` : "starting"}`);
    console.log(statusTable(pods));
    return 0;
  } catch (e) {
    console.error(`mizzen status: ${errorMessage(e)}\n\n${USAGE}`);
    return 2;
  }
}

export const statusCommand: Command = { name: "status", summary: "show the local mesh's pods (readiness, restarts, addresses)", run };
