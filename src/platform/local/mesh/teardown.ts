// Cleaning up after a mesh whose supervisor is gone (killed, crashed): every process group it
// recorded, the pods' network namespaces, the bridge and its rules, the state files.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { signalGroup } from "../container-process.js";
import { removeBridge, removePodNetwork } from "../pod-network.js";
import { readMeshState, readPods } from "./state.js";

export function cleanupStale(stateDir: string): { processes: number; pods: number } {
  const state = readMeshState(stateDir);
  const pods = readPods(stateDir);
  let processes = 0;
  const groups = pods.flatMap((p) => p.containers.map((c) => c.pid)).filter((p): p is number => p !== undefined);
  if (state?.controlPlane) groups.push(state.controlPlane.pid);
  for (const pid of groups) {
    signalGroup(pid, "SIGKILL");
    processes++;
  }
  if (state?.captureMode === "REDIRECT") {
    for (const p of pods) removePodNetwork(p.name);
    if (state.bridge) removeBridge(state.bridge);
  }
  rmSync(join(stateDir, "mesh.json"), { force: true });
  rmSync(join(stateDir, "pods.json"), { force: true });
  return { processes, pods: pods.length };
}
