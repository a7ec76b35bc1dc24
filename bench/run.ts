// `npm run bench`: the Mizzen proxy against nginx on loopback (1 KiB responses, keep-alive),
// one and two hops, at saturation (wrk) and at a fixed 1000 req/s (open loop). Server processes
// share core 0, load generators run on core 1. Three rounds, medians; ratios to nginx are the
// median of each round's ratio (the two are measured back to back, in alternating order).
// Then the other sections (bench/sections.ts): metrics on vs off, stall guards (HTTP/2 clients,
// a split POST through upstream TLS), load balancers, control plane.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureTools, writeNginxConfig } from "./nginx.js";
import { cpuMicros, privateBytes, rssBytes, withChildren } from "./proc-stats.js";
import { printTable, nginxFor, type Ratios, type Row } from "./report.js";
import { writeBenchBootstrap } from "./bootstrap.js";
import { runOtherSections } from "./sections.js";
import { median } from "./median.js";
import { freePort, waitForPort } from "./ports.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const MIZZEN_BIN = join(HERE, "..", "..", "bin", "mizzen.js");
/** BENCH_MIZZEN=hcm runs the connection manager alone (bench/mizzen-proxy.ts) instead of `mizzen proxy`. */
const MIZZEN_MODE = process.env["BENCH_MIZZEN"] ?? "proxy";
const NODE_FLAGS = (process.env["BENCH_NODE_FLAGS"] ?? "").split(" ").filter((x) => x !== "");
const ARGS = process.argv.slice(2);
/** `--quick`: one short round, for trying a change (the three-round default is what to report). */
const QUICK = ARGS.includes("--quick");
/** `--only one-hop` / `--only two-hops`: direct, nginx and mizzen for that hop count only (no other section). */
const ONLY = ARGS.includes("--only") ? ARGS[ARGS.indexOf("--only") + 1] ?? "" : "";
if (ARGS.includes("--only") && ONLY !== "one-hop" && ONLY !== "two-hops") {
  process.stderr.write("usage: node dist/bench/run.js [--quick] [--only one-hop|two-hops]\n");
  process.exit(2);
}
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? (QUICK ? 1 : 3));
const MAX_SECONDS = Number(process.env["BENCH_SECONDS"] ?? (QUICK ? 3 : 4));
const FIXED_SECONDS = Number(process.env["BENCH_FIXED_SECONDS"] ?? (QUICK ? 2 : 3));
const CONNECTIONS = 64;
const hasTaskset = spawnSync("sh", ["-c", "command -v taskset"]).status === 0;
const children: ChildProcess[] = [];

function pinned(core: number, cmd: string, args: string[]): [string, string[]] {
  return hasTaskset ? ["taskset", ["-c", String(core), cmd, ...args]] : [cmd, args];
}

function startServer(cmd: string, args: string[], readyPort: number): Promise<ChildProcess> {
  const [c, a] = pinned(0, cmd, args);
  const child = spawn(c, a, { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  return waitForPort(readyPort).then(() => child);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const [c, a] = pinned(1, cmd, args);
    const p = spawn(c, a, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d: Buffer) => { out += d.toString(); });
    p.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}`))));
  });
}

function ms(v: string, unit: string): number {
  const n = Number(v);
  return unit === "us" ? n / 1000 : unit === "s" ? n * 1000 : n;
}

async function wrk(port: number): Promise<{ rps: number; p50: number; p99: number }> {
  const out = await run("wrk", ["-t1", `-c${CONNECTIONS}`, `-d${MAX_SECONDS}s`, "--latency", `http://127.0.0.1:${port}/`]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p = (q: string): number => { const m = new RegExp(`\\s${q}%\\s+([\\d.]+)(us|ms|s)`).exec(out); return m ? ms(m[1] as string, m[2] as string) : NaN; };
  return { rps, p50: p("50"), p99: p("99") };
}

async function fixedRate(port: number, seconds = FIXED_SECONDS): Promise<{ p50: number; p99: number }> {
  const out = await run(process.execPath, [join(HERE, "fixed-rate-load.js"), String(port), "1000", String(seconds)]);
  const r = JSON.parse(out) as { p50: number; p99: number };
  return { p50: r.p50, p99: r.p99 };
}

function cpuOf(pids: number[]): number {
  return pids.reduce((s, p) => s + cpuMicros(p), 0);
}

interface Setup { name: string; port: number; pids: number[] }

async function measure(s: Setup): Promise<Row> {
  // Warm-up with both load shapes (JIT, pools). The fixed-rate client's requests differ from wrk's
  // (header case, one request per read), and V8 recompiles what they reach first: about 30 ms of
  // compiler time, 10 µs a request over the fixed-rate run, once per process, not per request.
  await wrk(s.port).catch(() => undefined);
  await fixedRate(s.port, 1).catch(() => undefined);
  let c0 = cpuOf(s.pids);
  const t0 = performance.now();
  const max = await wrk(s.port);
  const cpuMax = cpuOf(s.pids) - c0;
  const reqs = max.rps * ((performance.now() - t0) / 1000);
  c0 = cpuOf(s.pids);
  const fixed = await fixedRate(s.port);
  const cpuFixed = cpuOf(s.pids) - c0;
  return {
    name: s.name, rps: max.rps, p50Max: max.p50, p99Max: max.p99,
    cpuUsPerReqMax: reqs > 0 ? cpuMax / reqs : NaN,
    p50Fixed: fixed.p50, p99Fixed: fixed.p99, cpuUsPerReqFixed: cpuFixed / (1000 * FIXED_SECONDS),
    rssMb: s.pids.reduce((t, p) => t + rssBytes(p), 0) / (1 << 20),
    privateMb: s.pids.reduce((t, p) => t + privateBytes(p), 0) / (1 << 20),
  };
}

/** [nginx, mizzen] pairs as [mizzen, nginx]: setups come in that order after "direct". */
function swappedPairs(pairs: Setup[]): Setup[] {
  const out: Setup[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) out.push(pairs[i + 1] as Setup, pairs[i] as Setup);
  return out;
}

/** Each proxy row's ratios to its nginx row, round by round. */
function perRoundRatios(setups: Setup[], rounds: Row[][]): Map<string, Ratios[]> {
  const out = new Map<string, Ratios[]>();
  setups.forEach((s, i) => {
    const ngName = nginxFor(s.name);
    const j = setups.findIndex((t) => t.name === ngName);
    if (j < 0) return;
    out.set(s.name, rounds.map((rows) => {
      const r = rows[i] as Row, n = rows[j] as Row;
      return { rps: r.rps / n.rps, cpuUsPerReqMax: r.cpuUsPerReqMax / n.cpuUsPerReqMax, cpuUsPerReqFixed: r.cpuUsPerReqFixed / n.cpuUsPerReqFixed };
    }));
  });
  return out;
}

/** The median of each ratio over the rounds. */
function roundRatios(setups: Setup[], rounds: Row[][]): Map<string, Ratios> {
  const out = new Map<string, Ratios>();
  for (const [name, qs] of perRoundRatios(setups, rounds)) {
    out.set(name, { rps: median(qs.map((q) => q.rps)), cpuUsPerReqMax: median(qs.map((q) => q.cpuUsPerReqMax)), cpuUsPerReqFixed: median(qs.map((q) => q.cpuUsPerReqFixed)) });
  }
  return out;
}

async function main(): Promise<void> {
  if (process.platform !== "linux") { process.stderr.write("the benchmark needs Linux (/proc, taskset)\n"); process.exit(1); }
  ensureTools();
  const load = loadavg()[0] ?? 0;
  if (NODE_FLAGS.length > 0) process.stdout.write(`mizzen proxies run with node ${NODE_FLAGS.join(" ")} (BENCH_NODE_FLAGS)\n`);
  if (load > 1) process.stdout.write(`note: load average ${load.toFixed(1)} before the run; other work on this machine skews the figures (ratios suffer least)\n`);
  const dir = mkdtempSync(join(tmpdir(), "mizzen-bench-"));
  const up = await freePort();
  const [n1, n2a, n2b, m1, m2a, m2b] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort()] as number[] as [number, number, number, number, number, number];
  const upstream = await startServer(process.execPath, [join(HERE, "upstream-server.js"), String(up)], up);
  const nginx = async (name: string, listen: number, to: number): Promise<ChildProcess> =>
    startServer("nginx", ["-c", writeNginxConfig(join(dir, name), listen, to), "-p", join(dir, name)], listen);
  const mizzen = (listen: number, to: number): Promise<ChildProcess> => MIZZEN_MODE === "hcm"
    ? startServer(process.execPath, [...NODE_FLAGS, join(HERE, "mizzen-proxy.js"), String(listen), String(to)], listen)
    : startServer(process.execPath, [...NODE_FLAGS, MIZZEN_BIN, "proxy", "--log-level", "warn", "--metrics-port", "0", "--bootstrap", writeBenchBootstrap(join(dir, `mizzen-${listen}.json`), listen, to)], listen);
  const pids = (c: ChildProcess): number[] => withChildren(c.pid as number);
  const setups: Setup[] = [{ name: "direct", port: up, pids: pids(upstream) }];
  if (ONLY !== "two-hops") {
    const ng1 = await nginx("one", n1, up);
    const mz1 = await mizzen(m1, up);
    setups.push({ name: "nginx 1 hop", port: n1, pids: pids(ng1) }, { name: "mizzen 1 hop", port: m1, pids: pids(mz1) });
  }
  if (ONLY !== "one-hop") {
    const ng2b = await nginx("two-server", n2b, up);
    const ng2a = await nginx("two-client", n2a, n2b);
    const mz2b = await mizzen(m2b, up);
    const mz2a = await mizzen(m2a, m2b);
    setups.push({ name: "nginx 2 hops", port: n2a, pids: [...pids(ng2a), ...pids(ng2b)] }, { name: "mizzen 2 hops", port: m2a, pids: [...pids(mz2a), ...pids(mz2b)] });
  }
  const rounds: Row[][] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Odd rounds measure each proxy before its nginx: a drift in the machine's capacity during a
    // round then favours neither side over the rounds.
    const order = r % 2 === 0 ? setups : [setups[0] as Setup, ...swappedPairs(setups.slice(1))];
    const measured = new Map<string, Row>();
    for (const s of order) measured.set(s.name, await measure(s));
    rounds.push(setups.map((s) => measured.get(s.name) as Row));
    process.stdout.write(`round ${r + 1}/${ROUNDS} done\n`);
  }
  const keys = ["rps", "p50Max", "p99Max", "cpuUsPerReqMax", "p50Fixed", "p99Fixed", "cpuUsPerReqFixed", "rssMb", "privateMb"] as const;
  const result: Row[] = setups.map((s, i) => {
    const row: Row = { name: s.name, rps: 0, p50Max: 0, p99Max: 0, cpuUsPerReqMax: 0, p50Fixed: 0, p99Fixed: 0, cpuUsPerReqFixed: 0, rssMb: 0, privateMb: 0 };
    for (const k of keys) row[k] = median(rounds.map((rows) => (rows[i] as Row)[k]));
    return row;
  });
  const ratios = roundRatios(setups, rounds);
  printTable(result, ratios);
  for (const [name, perRound] of perRoundRatios(setups, rounds)) {
    process.stdout.write(`${name} ÷ nginx by round: req/s ${perRound.map((q) => q.rps.toFixed(2)).join(" ")}; CPU/req max ${perRound.map((q) => q.cpuUsPerReqMax.toFixed(2)).join(" ")}; @1k ${perRound.map((q) => q.cpuUsPerReqFixed.toFixed(2)).join(" ")}\n`);
  }
  const outDir = join(HERE, "..", "..", "bench", "results");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, QUICK || ONLY !== "" ? "latest-partial.json" : "latest.json"), `${JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, loadAverage: load, nodeFlags: NODE_FLAGS, results: result, ratiosToNginx: Object.fromEntries(ratios) }, null, 2)}\n`);
  for (const c of children.reverse()) await stop(c);
  rmSync(dir, { recursive: true, force: true });
  if (ONLY === "") await runOtherSections(QUICK);
}

process.on("SIGINT", () => { for (const c of children) c.kill("SIGTERM"); process.exit(130); });
main().catch(async (e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  for (const c of children) await stop(c);
  process.exit(1);
});
