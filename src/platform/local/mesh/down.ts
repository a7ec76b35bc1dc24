// `mizzen down`: asks the mesh's supervisor to stop (SIGTERM: apps, sidecars, gateways, control
// plane, networks) and waits for it; a supervisor that is gone or does not finish in time is
// replaced by cleaning up what the state files recorded.
import { existsSync } from "node:fs";
import { processAlive, readMeshState } from "./state.js";
import { cleanupStale } from "./teardown.js";

export interface DownResult {
  /** What happened, for the user. */
  message: string;
  ok: boolean;
}

export async function meshDown(stateDir: string, graceMs = 45_000): Promise<DownResult> {
  const state = readMeshState(stateDir);
  if (!state) {
    return existsSync(`${stateDir}/pods.json`)
      ? { ok: true, message: `no mesh running from ${stateDir} (cleaned up leftovers: ${cleanupStale(stateDir).processes} process groups)` }
      : { ok: true, message: `no mesh running from ${stateDir}` };
  }
  if (!processAlive(state.pid)) {
    const r = cleanupStale(stateDir);
    return { ok: true, message: `the mesh in ${stateDir} was stale (supervisor pid ${state.pid} gone); cleaned up ${r.pods} pods and ${r.processes} process groups` };
  }
  try {
    process.kill(state.pid, "SIGTERM");
  } catch {
    // Gone between the check and the signal: the cleanup below handles it.
  }
  const deadline = Date.now() + graceMs;
  while (processAlive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (processAlive(state.pid)) {
    try {
      process.kill(state.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
    const r = cleanupStale(stateDir);
    return { ok: false, message: `the mesh supervisor (pid ${state.pid}) did not stop within ${graceMs / 1000}s; killed it and cleaned up ${r.pods} pods` };
  }
  if (readMeshState(stateDir)) cleanupStale(stateDir);
  return { ok: true, message: `mesh stopped (${stateDir})` };
}
