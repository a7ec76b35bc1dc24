// `mizzen up` (and `mizzen demo`): in the foreground the mesh lives in this process until SIGINT or
// SIGTERM; with --detach a copy of the command runs it in the background (its own session, output
// to <stateDir>/logs/mesh.log) and this process follows its progress through the state files,
// returning once everything is ready or naming what is not.
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { MizzenError, errorMessage } from "../../../errors.js";
import { resolveCaptureMode } from "../local-platform.js";
import type { BridgeSpec } from "../pod-network.js";
import { loadValidated } from "./config-dir.js";
import { MIZZEN_BIN } from "./control-plane-process.js";
import { Mesh, MESH_STOPPED } from "./mesh.js";
import { ProgressLines, statusTable, tailFile } from "./pod-report.js";
import { processAlive, readMeshState, readPods } from "./state.js";
import { startMeshTraceStore } from "../../../telemetry/wiring/demo-telemetry.js";
import { startTraceStoreServer } from "../../../telemetry/tracing/trace-store.js";
import { cleanupStale } from "./teardown.js";

export interface UpOptions {
  paths: string[];
  stateDir: string;
  capture: "auto" | "redirect" | "none";
  ingressPort: number;
  ingressHttpsPort?: number;
  cwd: string;
  timeoutMs: number;
  detach: boolean;
  /** Internal: this process is the background supervisor of a detached `up`. */
  daemon: boolean;
  bridge?: BridgeSpec;
  meshConfigFile?: string;
  /** Built-in trace store (Zipkin API) on 127.0.0.1:<port> while the mesh runs (the demo's collector). */
  traceStorePort?: number;
  /** Printed once everything is ready (the demo's pointers). */
  afterReady?: (ingressPort: number) => string;
}

/** The command line a detached `up` gives its background copy. */
function daemonArgs(o: UpOptions): string[] {
  const args = ["up", "--daemon", "--state-dir", o.stateDir, "--capture", o.capture, "--ingress-port", String(o.ingressPort), "--timeout", String(Math.ceil(o.timeoutMs / 1000)), "--cwd", o.cwd];
  for (const p of o.paths) args.push("-f", p);
  if (o.ingressHttpsPort) args.push("--ingress-https-port", String(o.ingressHttpsPort));
  if (o.bridge) args.push("--bridge", `${o.bridge.name}=${o.bridge.gateway}`);
  if (o.meshConfigFile) args.push("--mesh-config", o.meshConfigFile);
  if (o.traceStorePort) args.push("--trace-store-port", String(o.traceStorePort));
  return args;
}

function waitSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string): void => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(sig);
    };
    const onInt = (): void => on("SIGINT");
    const onTerm = (): void => on("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
  });
}

export async function runUp(o: UpOptions): Promise<number> {
  try {
    // Bad manifests or an impossible capture mode: say so before anything starts.
    await loadValidated(o.paths);
    resolveCaptureMode(o.capture);
    const prev = readMeshState(o.stateDir);
    if (prev && processAlive(prev.pid) && prev.pid !== process.pid) {
      throw new MizzenError("MIZZEN_ERR_MESH_RUNNING", `a mesh is already running from ${o.stateDir} (pid ${prev.pid}); run "mizzen down --state-dir ${o.stateDir}" first`);
    }
  } catch (e) {
    console.error(`mizzen up: ${errorMessage(e)}`);
    return 1;
  }
  if (o.detach && !o.daemon) return detach(o);
  return supervise(o);
}

/** Runs the mesh in this process until a signal. */
async function supervise(o: UpOptions): Promise<number> {
  const say = (line: string): void => console.log(line);
  const stopped = waitSignal();
  let mesh: Mesh;
  // A taken trace store port is reported, not fatal: spans then go nowhere.
  const traces = o.traceStorePort ? await startMeshTraceStore(o.traceStorePort).catch((e: unknown) => { say(`trace store not started on 127.0.0.1:${o.traceStorePort}: ${errorMessage(e)}`); }) : undefined;
  try {
    mesh = await Mesh.start({
      paths: o.paths, stateDir: o.stateDir, capture: o.capture, ingressPort: o.ingressPort, ...(o.ingressHttpsPort ? { ingressHttpsPort: o.ingressHttpsPort } : {}), cwd: o.cwd, readyTimeoutMs: o.timeoutMs, log: say,
      ...(o.bridge ? { bridge: o.bridge } : {}), ...(o.meshConfigFile ? { meshConfigFile: o.meshConfigFile } : {}),
      ...(traces && o.traceStorePort ? { traceStorePort: o.traceStorePort } : {}),
    });
  } catch (e) {
    console.error(`mizzen up: ${errorMessage(e)}`);
    cleanupStale(o.stateDir);
    await traces?.close();
    return 1;
  }
  // REDIRECT pods reach the host through the bridge: the same store listens on its address too.
  const bridgeTraces = traces && o.traceStorePort && mesh.state.bridge
    ? await startTraceStoreServer({ port: o.traceStorePort, host: mesh.state.bridge.gateway, store: traces.store }).catch((e: unknown) => { say(`trace store not reachable from pods: ${errorMessage(e)}`); })
    : undefined;
  const progress = new ProgressLines();
  const waiting = mesh.waitReady(o.timeoutMs, (pods) => { for (const l of progress.lines(pods)) say(l); }).then(
    () => {
      say(statusTable(mesh.pods()));
      say(`ingress gateway: http://127.0.0.1:${o.ingressPort}/`);
      if (o.afterReady) say(o.afterReady(o.ingressPort));
      if (!o.daemon) say("mesh is running; Ctrl-C stops it");
      return true;
    },
    (e: unknown) => {
      if (e instanceof MizzenError && e.code === MESH_STOPPED) say(e.message);
      else console.error(`mizzen up: ${errorMessage(e)}`);
      return false;
    },
  );
  const sig = await stopped;
  say(`${sig}: stopping the mesh`);
  await mesh.stop();
  await bridgeTraces?.close();
  await traces?.close();
  await waiting;
  say("mesh stopped");
  return 0;
}

/** Starts the background supervisor and follows it until ready, failed, or gone. */
async function detach(o: UpOptions): Promise<number> {
  const logDir = join(o.stateDir, "logs");
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, "mesh.log");
  const fd = openSync(logFile, "a");
  let pid: number;
  try {
    const child = spawn(process.execPath, [MIZZEN_BIN, ...daemonArgs(o)], { stdio: ["ignore", fd, fd], detached: true, cwd: o.cwd });
    child.unref();
    pid = child.pid ?? 0;
  } finally {
    closeSync(fd);
  }
  const progress = new ProgressLines();
  // The supervisor bounds its own wait; this one only guards against it hanging.
  const deadline = Date.now() + o.timeoutMs + 60_000;
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const state = readMeshState(o.stateDir);
    const mine = state?.pid === pid ? state : undefined;
    for (const l of progress.lines(mine ? readPods(o.stateDir) : [])) console.log(l);
    if (mine?.phase === "ready") {
      console.log(statusTable(readPods(o.stateDir)));
      console.log(`ingress gateway: http://127.0.0.1:${o.ingressPort}/`);
      if (o.afterReady) console.log(o.afterReady(o.ingressPort));
      console.log(`mesh is running in the background (pid ${pid}); "mizzen down${o.stateDir.endsWith("/.mizzen") ? "" : ` --state-dir ${o.stateDir}`}" stops it`);
      return 0;
    }
    if (mine?.phase === "failed") {
      console.error(`mizzen up: ${mine.error ?? "the mesh did not become ready"}`);
      console.error(`the mesh is still running (restarts continue); "mizzen status" shows it, "mizzen down" stops it`);
      return 1;
    }
    if (!processAlive(pid)) {
      console.error(`mizzen up: the mesh supervisor exited before the mesh was ready; ${logFile}:\n${tailFile(logFile, 20)}`);
      return 1;
    }
    if (Date.now() > deadline) {
      console.error(`mizzen up: no answer from the mesh supervisor (pid ${pid}); see ${logFile}`);
      return 1;
    }
  }
}
