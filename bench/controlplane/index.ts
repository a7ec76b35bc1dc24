// Control-plane benchmark (`npm run bench` section, or `node dist/bench/controlplane/index.js`):
// `mizzen control-plane` as a child process with 1000 services × 2 endpoints, 100 ADS clients in
// this process (raw gRPC streams, ACKing every response): time to the first full push, the
// control plane's RSS, and the time from a VirtualService edit to all clients' ACK of it.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { RDS_TYPE_URL } from "../../src/api/envoy/type-urls.js";
import { rssBytes } from "../proc-stats.js";
import { LoadAdsClient } from "./ads-load-client.js";
import { serviceManifests, virtualService, workloadUpdates } from "./mesh-fixture.js";

export interface ControlPlaneBenchOptions {
  readonly services?: number;
  readonly endpointsPerService?: number;
  readonly clients?: number;
  /** "sidecar" (src/pilot's generators, per proxy) or "grpc" (proxyless, shared). */
  readonly proxyKind?: "sidecar" | "grpc";
  readonly log?: (line: string) => void;
}

export interface ControlPlaneBenchResult {
  readonly services: number;
  readonly endpoints: number;
  readonly clients: number;
  readonly proxyKind: string;
  /** From the clients' stream start to the last client holding CDS, EDS, LDS and RDS. */
  readonly firstFullPushMs: number;
  /** Bytes one client received for its first full push. */
  readonly configBytesPerClient: number;
  readonly rssMb: number;
  /** From the VirtualService file write to the last client's ACK of the new routes. */
  readonly changeToAllAckMs: number;
  readonly targets: { changeToAllAckMs: number; rssMb: number };
}

const BIN = fileURLToPath(new URL("../../../bin/mizzen.js", import.meta.url));
const DEADLINE_MS = 120_000;

async function until(what: string, cond: () => boolean, timeoutMs = DEADLINE_MS): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`control-plane bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function startControlPlane(dir: string): Promise<{ child: ChildProcess; xdsPort: number; monitoringPort: number }> {
  // BENCH_CP_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the control plane.
  const nodeArgs = (process.env["BENCH_CP_NODE_ARGS"] ?? "").split(" ").filter((a) => a !== "");
  const child = spawn(process.execPath, [...nodeArgs, BIN, "control-plane", "--config", dir, "--xds-port", "0", "--monitoring-port", "0", "--listen-address", "127.0.0.1"], { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const verbose = process.env["BENCH_CP_VERBOSE"] === "1";
    child.stderr?.on("data", (c: Buffer) => {
      if (verbose) process.stderr.write(c);
      err = (err + c.toString()).slice(-4000);
    });
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /\{"event":"ready","xdsPort":(\d+),"monitoringPort":(\d+)\}/.exec(out);
      if (m) resolve({ child, xdsPort: Number(m[1]), monitoringPort: Number(m[2]) });
    });
    child.once("exit", (code) => reject(new Error(`control plane exited (${String(code)}): ${err}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

export async function runControlPlaneBench(options: ControlPlaneBenchOptions = {}): Promise<ControlPlaneBenchResult> {
  const services = options.services ?? 1000;
  const perService = options.endpointsPerService ?? 2;
  const clientsN = options.clients ?? 100;
  const kind = options.proxyKind ?? "sidecar";
  const log = options.log ?? ((l: string) => console.log(l));
  const dir = await mkdtemp(join(tmpdir(), "mizzen-cp-bench-"));
  let child: ChildProcess | undefined;
  const clients: LoadAdsClient[] = [];
  const channel: grpc.Client[] = [];
  try {
    await writeFile(join(dir, "services.yaml"), serviceManifests(services));
    await writeFile(join(dir, "vs.yaml"), virtualService(90));
    const cp = await startControlPlane(dir);
    child = cp.child;
    const updates = workloadUpdates(services, perService);
    for (let i = 0; i < updates.length; i += 1000) {
      const res = await fetch(`http://127.0.0.1:${cp.monitoringPort}/debug/workloads`, { method: "POST", body: JSON.stringify(updates.slice(i, i + 1000)) });
      if (!res.ok) throw new Error(`workload update failed: ${res.status} ${await res.text()}`);
    }
    await new Promise((r) => setTimeout(r, 300)); // let the endpoint push's debounce pass before clients connect
    // A few channels shared by the streams, as many sidecars would share nothing but the server.
    for (let i = 0; i < Math.min(10, clientsN); i++) channel.push(new grpc.Client(`127.0.0.1:${cp.xdsPort}`, grpc.credentials.createInsecure(), { "grpc.max_receive_message_length": 256 << 20 }));
    const metadata: Record<string, string> = kind === "grpc" ? { GENERATOR: "grpc" } : { NAMESPACE: "default" };
    for (let i = 0; i < clientsN; i++) {
      const c = channel[i % channel.length];
      if (!c) continue;
      clients.push(new LoadAdsClient(c, `sidecar~10.1.${Math.floor(i / 250)}.${i % 250}~bench-${i}.default~default.svc.cluster.local`, metadata));
    }
    const t0 = performance.now();
    for (const c of clients) c.start();
    await until("the first full push", () => clients.every((c) => c.synced()));
    const firstFullPushMs = Math.max(...clients.map((c) => Math.max(...[...c.firstAt.values()]))) - t0;
    const configBytesPerClient = Math.round(clients.reduce((a, c) => a + c.bytes, 0) / clients.length);
    await new Promise((r) => setTimeout(r, 500));
    const rssMb = rssBytes(child.pid ?? 0) / (1 << 20);
    const before = clients.map((c) => c.responses.get(RDS_TYPE_URL) ?? 0);
    const tChange = performance.now();
    await writeFile(join(dir, "vs.yaml"), virtualService(10));
    await until("every client's ACK of the changed routes", () => clients.every((c, i) => (c.responses.get(RDS_TYPE_URL) ?? 0) > (before[i] ?? 0)));
    const changeToAllAckMs = Math.max(...clients.map((c) => c.lastAckAt.get(RDS_TYPE_URL) ?? 0)) - tChange;
    const result: ControlPlaneBenchResult = {
      services, endpoints: services * perService, clients: clientsN, proxyKind: kind,
      firstFullPushMs: Math.round(firstFullPushMs), configBytesPerClient, rssMb: Math.round(rssMb),
      changeToAllAckMs: Math.round(changeToAllAckMs), targets: { changeToAllAckMs: 1000, rssMb: 500 },
    };
    log(`control plane (${kind}): ${services} services × ${perService} endpoints, ${clientsN} ADS clients`);
    log(`  first full push to all clients   ${result.firstFullPushMs} ms   (${(configBytesPerClient / 1024).toFixed(0)} KiB per client)`);
    log(`  control-plane RSS                ${result.rssMb} MB   (target ≤ 500 MB)`);
    log(`  VirtualService edit → all ACKs   ${result.changeToAllAckMs} ms   (target ≤ 1000 ms; includes the 100 ms push debounce)`);
    return result;
  } finally {
    for (const c of clients) c.stop();
    for (const c of channel) c.close();
    if (child) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const kind = process.argv.includes("--grpc") ? "grpc" : "sidecar";
  runControlPlaneBench({ proxyKind: kind }).then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
