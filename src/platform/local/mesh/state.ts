// The running mesh as other commands find it: <stateDir>/mesh.json (the supervisor's pid, the
// control plane's ports, capture mode, ingress port, phase) next to pods.json (LocalPlatform's).
// A state whose supervisor is gone is stale: reported, and cleaned up by `mizzen down`.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { MizzenError } from "../../../errors.js";
import type { PodStatus } from "../pod-runtime.js";
import type { BridgeSpec } from "../pod-network.js";

export type MeshPhase = "starting" | "ready" | "failed" | "stopping";

export interface MeshState {
  /** The process that supervises everything (`mizzen up`, foreground or detached). */
  pid: number;
  phase: MeshPhase;
  /** When phase is failed: why. */
  error?: string;
  captureMode: "REDIRECT" | "NONE";
  stateDir: string;
  configDir: string;
  ingressPort: number;
  /** Where the gateway's HTTPS (server port 443) is reached from the host. */
  ingressHttpsPort?: number;
  /** NONE: the host port the egress gateway's Gateway port 80 is bound on (none-ports.ts). */
  egressHttpPort?: number;
  bridge?: BridgeSpec;
  controlPlane?: { pid: number; xdsPort: number; monitoringPort: number; host: string };
  startedAt: string;
}

export const DEFAULT_STATE_DIR = ".mizzen";

export function stateDirOf(flag: string | undefined): string {
  return resolve(flag ?? DEFAULT_STATE_DIR);
}

export const meshFile = (stateDir: string): string => join(stateDir, "mesh.json");
export const podsFile = (stateDir: string): string => join(stateDir, "pods.json");

export function writeMeshState(s: MeshState): void {
  const file = meshFile(s.stateDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(s, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function readMeshState(stateDir: string): MeshState | undefined {
  try {
    return JSON.parse(readFileSync(meshFile(stateDir), "utf8")) as MeshState;
  } catch {
    return undefined;
  }
}

export function readPods(stateDir: string): PodStatus[] {
  try {
    const v = JSON.parse(readFileSync(podsFile(stateDir), "utf8")) as unknown;
    return Array.isArray(v) ? (v as PodStatus[]) : [];
  } catch {
    return [];
  }
}

/** Whether a process exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** The running mesh of a state dir; MIZZEN_ERR_NO_MESH when none, MIZZEN_ERR_STALE_MESH when its supervisor is gone. */
export function runningMesh(stateDir: string): MeshState {
  const s = readMeshState(stateDir);
  if (!s) {
    const hint = existsSync(stateDir) ? "" : " (the directory does not exist)";
    throw new MizzenError("MIZZEN_ERR_NO_MESH", `no mesh is running from ${stateDir}${hint}; start one with "mizzen up -f DIR" or "mizzen demo"`);
  }
  if (!processAlive(s.pid)) {
    throw new MizzenError("MIZZEN_ERR_STALE_MESH", `the mesh in ${stateDir} is stale: its supervisor (pid ${s.pid}) is gone; run "mizzen down --state-dir ${stateDir}" to clean up`);
  }
  return s;
}
