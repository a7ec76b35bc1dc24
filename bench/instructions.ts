// `npm run bench:instructions`: user-space instructions per proxied request, counted by
// valgrind's callgrind, for the Mizzen proxy and for nginx (one hop, the bench's bootstrap and
// nginx config, a Node upstream outside valgrind). Unlike CPU time on a shared VM, the count
// repeats within about 1 % from run to run, so it shows what a hot-path change saves when wrk's
// figures are lost in noise. It counts no kernel work (system calls, scheduling), which is the
// same for both proxies, so the ratio is only about the user-space side.
//
// Each proxy runs under callgrind, gets WARM requests (JIT warm-up) in two rounds of fresh
// connections, then its counters are zeroed and COUNT requests are sent; the main thread's
// instructions ÷ COUNT is the figure. Two rounds, because the first round's connection closes
// run code no request ran before, and V8 drops optimized code on such first runs: the second
// round lets it optimize again, as it does in a proxy that has served for a while.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeBenchBootstrap } from "./bootstrap.js";
import { exactRequests } from "./exact-requests.js";
import { ensureTools, has, nginxConfig } from "./nginx.js";
import { freePort, waitForPort } from "./ports.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const MIZZEN_BIN = join(HERE, "..", "..", "bin", "mizzen.js");
const WARM = Number(process.env["BENCH_WARM"] ?? 8000);
const COUNT = Number(process.env["BENCH_COUNT"] ?? 4000);
const CONNECTIONS = 8;

function control(pid: number, arg: string): void {
  const r = spawnSync("callgrind_control", [arg, String(pid)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`callgrind_control ${arg} ${pid} failed: ${r.stderr}`);
}

/** Instructions in the first dump of the main thread (callgrind names it <file>.1-01). */
function mainThreadInstructions(dir: string): number {
  const file = readdirSync(dir).find((f) => f.endsWith(".1-01"));
  if (file === undefined) throw new Error(`no callgrind dump in ${dir}`);
  const m = /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, file), "utf8"));
  if (m === null) throw new Error(`no totals in ${file}`);
  return Number(m[1]);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => { clearTimeout(timer); resolve(); });
    child.kill("SIGTERM");
  });
}

async function measure(name: string, port: number, cmd: string[], dir: string): Promise<number> {
  const out = join(dir, "callgrind");
  const child = spawn("valgrind", ["--tool=callgrind", "--separate-threads=yes", `--callgrind-out-file=${out}`, ...cmd], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
  try {
    await waitForPort(port, 4800); // valgrind starts slowly: up to 2 min
    await exactRequests(port, Math.ceil(WARM / 2), CONNECTIONS);
    await exactRequests(port, Math.ceil(WARM / 2), CONNECTIONS);
    control(child.pid as number, "--zero");
    await exactRequests(port, COUNT, CONNECTIONS);
    control(child.pid as number, "--dump");
    return mainThreadInstructions(dir) / COUNT;
  } catch (e) {
    throw new Error(`${name}: ${e instanceof Error ? e.message : String(e)}\n${stderr}`, { cause: e });
  } finally {
    await stop(child);
  }
}

async function main(): Promise<void> {
  if (process.platform !== "linux") { process.stderr.write("the instruction count needs Linux\n"); process.exit(1); }
  ensureTools();
  if (!has("valgrind") || !has("callgrind_control")) {
    process.stderr.write("counting instructions needs valgrind; run: sudo apt-get install -y valgrind\n");
    process.exit(1);
  }
  const up = await freePort();
  const upstream = spawn(process.execPath, [join(HERE, "upstream-server.js"), String(up)], { stdio: "ignore" });
  const dirs: string[] = [];
  const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), "mizzen-instr-")); dirs.push(d); return d; };
  try {
    await waitForPort(up);
    const mizzenDir = tmp();
    const mizzenPort = await freePort();
    const bootstrap = writeBenchBootstrap(join(mizzenDir, "bootstrap.json"), mizzenPort, up);
    const mizzen = await measure("mizzen", mizzenPort, [process.execPath, MIZZEN_BIN, "proxy", "--log-level", "warn", "--metrics-port", "0", "--bootstrap", bootstrap], mizzenDir);
    const nginxDir = tmp();
    const nginxPort = await freePort();
    // One process (no master) so that valgrind counts the process that proxies.
    const conf = join(nginxDir, "nginx.conf");
    writeFileSync(conf, nginxConfig(nginxDir, nginxPort, up).replace("master_process on;", "master_process off;"));
    const nginx = await measure("nginx", nginxPort, ["nginx", "-c", conf, "-p", nginxDir], nginxDir);
    process.stdout.write(`user-space instructions per request, main thread (${COUNT} requests after ${WARM} warm-up, ${CONNECTIONS} connections):\n`);
    process.stdout.write(`  mizzen 1 hop  ${Math.round(mizzen).toLocaleString("en")}\n`);
    process.stdout.write(`  nginx 1 hop   ${Math.round(nginx).toLocaleString("en")}\n`);
    process.stdout.write(`  mizzen ÷ nginx ${(mizzen / nginx).toFixed(2)}\n`);
  } finally {
    await stop(upstream);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:instructions failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
