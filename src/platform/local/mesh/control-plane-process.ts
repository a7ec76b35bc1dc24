// The control plane as a child process of the mesh (`mizzen control-plane --config <stateDir>/config`),
// in its own process group, logging to <stateDir>/logs/control-plane.log; ready once /ready answers.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { MizzenError } from "../../../errors.js";
import { signalGroup } from "../container-process.js";
import { probeHttp } from "../readiness.js";

export const MIZZEN_BIN = new URL("../../../../../bin/mizzen.js", import.meta.url).pathname;

export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface ControlPlaneHandle {
  pid: number;
  xdsPort: number;
  monitoringPort: number;
  /** Where pods reach it (the bridge gateway in REDIRECT, 127.0.0.1 in NONE). */
  host: string;
  /** The CA's port (when caDataDir was given). */
  securePort?: number;
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  configDir: string;
  logDir: string;
  /** Address pods dial; the control plane listens on all addresses when it is not loopback. */
  podFacingHost: string;
  meshFile?: string;
  /** Runs the CA and secure xDS (--secure-port, --data-dir): workload certificates for the pods. */
  caDataDir?: string;
  readyTimeoutMs?: number;
}

export async function startControlPlane(o: ControlPlaneOptions): Promise<ControlPlaneHandle> {
  const xdsPort = await freePort();
  const monitoringPort = await freePort();
  const securePort = o.caDataDir ? await freePort() : undefined;
  const listen = o.podFacingHost.startsWith("127.") ? "127.0.0.1" : "0.0.0.0";
  mkdirSync(o.logDir, { recursive: true });
  const fd = openSync(join(o.logDir, "control-plane.log"), "a");
  let child: ChildProcess;
  try {
    const args = [MIZZEN_BIN, "control-plane", "--config", o.configDir, "--xds-port", String(xdsPort), "--monitoring-port", String(monitoringPort), "--listen-address", listen];
    if (o.meshFile) args.push("--mesh", o.meshFile);
    if (o.caDataDir && securePort) args.push("--secure-port", String(securePort), "--data-dir", o.caDataDir);
    child = spawn(process.execPath, args, { stdio: ["ignore", fd, fd], detached: true });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  let gone = false;
  void exited.then(() => { gone = true; });
  const pid = child.pid ?? 0;
  const stop = async (): Promise<void> => {
    if (gone) return;
    signalGroup(pid, "SIGTERM");
    const t = setTimeout(() => signalGroup(pid, "SIGKILL"), 5000);
    await exited;
    clearTimeout(t);
  };
  const deadline = Date.now() + (o.readyTimeoutMs ?? 20_000);
  while (!(await probeHttp(`http://127.0.0.1:${monitoringPort}/ready`))) {
    if (gone || Date.now() > deadline) {
      await stop();
      throw new MizzenError("MIZZEN_ERR_CONTROL_PLANE", `the control plane did not become ready (see ${join(o.logDir, "control-plane.log")})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid, xdsPort, monitoringPort, host: o.podFacingHost, ...(securePort ? { securePort } : {}), stop };
}
