// Proxy throughput with Istio metrics on vs off (issue 7): the same `mizzen proxy` in front of the
// 1 KiB upstream (bench/upstream-server.ts), once as a sidecar with the istio.stats filter and the
// merged metrics endpoint ("on"), once without the filter and with --no-metrics ("off").
// Saturation with wrk (64 connections, one thread), rounds alternate on/off, medians reported.
//   node dist/bench/metrics-overhead.js [--quick]      or   runMetricsOverhead({ rounds, seconds })
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchBootstrap } from "./bootstrap.js";
import { freePort, waitForPort } from "./ports.js";
import { median } from "./median.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const MIZZEN_BIN = join(HERE, "..", "..", "bin", "mizzen.js");

export interface Throughput { rps: number; p50Ms: number; p99Ms: number }
export interface MetricsOverheadResult {
  on: Throughput;
  off: Throughput;
  /** on.rps / off.rps (1 = no cost). */
  ratio: number;
  /** A sample of the "on" proxy's istio_requests_total lines (proof the metrics were recorded). */
  sample: string;
}

/** The bench bootstrap as a sidecar: Istio node id and metadata, istio.stats first (as the control plane sends it). */
function sidecarBootstrap(listen: number, upstream: number, withStats: boolean): Record<string, unknown> {
  const b = benchBootstrap(listen, upstream) as { node: Record<string, unknown>; static_resources: { listeners: { filter_chains: { filters: { typed_config: Record<string, unknown> }[] }[] }[] } };
  b.node = { id: `sidecar~127.0.0.1~bench-${listen}.default~default.svc.cluster.local`, cluster: "bench.default", metadata: { NAMESPACE: "default", LABELS: { app: "bench", version: "v1" }, WORKLOAD_NAME: "bench", SERVICE_ACCOUNT: "bench" } };
  const hcm = b.static_resources.listeners[0]?.filter_chains[0]?.filters[0]?.typed_config;
  if (hcm && withStats) {
    hcm["stat_prefix"] = `outbound_127.0.0.1_${listen}`;
    hcm["http_filters"] = [
      { name: "istio.stats", typed_config: { "@type": "type.googleapis.com/xds.type.v3.TypedStruct", type_url: "type.googleapis.com/stats.PluginConfig", value: {} } },
      ...(hcm["http_filters"] as unknown[]),
    ];
  }
  return b;
}

function wrk(port: number, seconds: number): Throughput {
  const r = spawnSync("wrk", ["-t1", "-c64", `-d${seconds}s`, "--latency", `http://127.0.0.1:${port}/`], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const out = r.stdout;
  const ms = (q: string): number => {
    const m = new RegExp(`\\s${q}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!m) return NaN;
    const n = Number(m[1]);
    return m[2] === "us" ? n / 1000 : m[2] === "s" ? n * 1000 : n;
  };
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0), p50Ms: ms("50"), p99Ms: ms("99") };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => { child.once("exit", () => r()); child.kill("SIGTERM"); });
}

/** Needs `wrk` on PATH and a built tree (dist/). */
export async function runMetricsOverhead(o: { rounds?: number; seconds?: number } = {}): Promise<MetricsOverheadResult> {
  const rounds = o.rounds ?? 3;
  const seconds = o.seconds ?? 4;
  const dir = mkdtempSync(join(tmpdir(), "mizzen-bench-metrics-"));
  const children: ChildProcess[] = [];
  const start = (args: string[]): ChildProcess => {
    const c = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"] });
    children.push(c);
    return c;
  };
  try {
    const upstream = await freePort();
    start([join(HERE, "upstream-server.js"), String(upstream)]);
    await waitForPort(upstream);
    const ports = { on: await freePort(), off: await freePort() };
    const metricsPort = await freePort();
    for (const mode of ["on", "off"] as const) {
      const file = join(dir, `${mode}.json`);
      writeFileSync(file, JSON.stringify(sidecarBootstrap(ports[mode], upstream, mode === "on")));
      start([MIZZEN_BIN, "proxy", "--log-level", "warn", "--bootstrap", file, "--admin-port", "0", ...(mode === "on" ? ["--metrics-port", String(metricsPort)] : ["--no-metrics"])]);
      await waitForPort(ports[mode]);
    }
    for (const mode of ["on", "off"] as const) wrk(ports[mode], 1); // warm-up (JIT, pools)
    const runs: Record<"on" | "off", Throughput[]> = { on: [], off: [] };
    for (let i = 0; i < rounds; i++) for (const mode of ["on", "off"] as const) runs[mode].push(wrk(ports[mode], seconds));
    const pick = (l: Throughput[]): Throughput => ({ rps: median(l.map((x) => x.rps)), p50Ms: median(l.map((x) => x.p50Ms)), p99Ms: median(l.map((x) => x.p99Ms)) });
    const on = pick(runs.on);
    const off = pick(runs.off);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/stats/prometheus`)).text();
    const sample = text.split("\n").filter((l) => l.startsWith("istio_requests_total{")).join("\n");
    return { on, off, ratio: off.rps > 0 ? on.rps / off.rps : NaN, sample };
  } finally {
    for (const c of children) await stop(c);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes("--quick");
  runMetricsOverhead(quick ? { rounds: 1, seconds: 2 } : {}).then((r) => {
    const row = (name: string, t: Throughput): string => `${name.padEnd(12)} ${t.rps.toFixed(0).padStart(8)} req/s   p50 ${t.p50Ms.toFixed(2)} ms   p99 ${t.p99Ms.toFixed(2)} ms`;
    console.log(row("metrics on", r.on));
    console.log(row("metrics off", r.off));
    console.log(`on/off throughput: ${(r.ratio * 100).toFixed(1)} %`);
    if (r.sample === "") { console.error("the metrics-on proxy recorded no istio_requests_total"); process.exitCode = 1; }
  }, (e: unknown) => { console.error(e); process.exitCode = 1; });
}
