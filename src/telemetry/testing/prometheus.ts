// Runs a real Prometheus (Debian's `prometheus` binary) on 127.0.0.1 for tests: a generated
// scrape config, its own temporary storage, a free port; queried over its HTTP API.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PrometheusTarget {
  job: string;
  port: number;
  path?: string;
  /** Where the target listens (default 127.0.0.1): e.g. a pod's address on the local mesh. */
  host?: string;
}

export interface RunningPrometheus {
  readonly port: number;
  query(promql: string): Promise<PromSample[]>;
  targets(): Promise<{ health: string; lastError: string; scrapeUrl: string }[]>;
  stop(): Promise<void>;
}

export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

/** The prometheus binary on PATH (or PROMETHEUS_BIN), or null when not installed. */
export function findPrometheus(): string | null {
  const bin = process.env["PROMETHEUS_BIN"] ?? "prometheus";
  const r = spawnSync(bin, ["--version"], { stdio: "ignore" });
  return r.error === undefined && r.status === 0 ? bin : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => { const p = (s.address() as AddressInfo).port; s.close(() => resolve(p)); });
  });
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return res.json();
}

export async function startPrometheus(bin: string, targets: readonly PrometheusTarget[], scrapeIntervalS = 1): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "mizzen-prom-"));
  const lines = [`global:`, `  scrape_interval: ${scrapeIntervalS}s`, `  scrape_timeout: ${scrapeIntervalS}s`,
    `  evaluation_interval: ${scrapeIntervalS}s`, `scrape_configs:`];
  for (const t of targets) {
    lines.push(`  - job_name: ${JSON.stringify(t.job)}`, `    metrics_path: ${JSON.stringify(t.path ?? "/stats/prometheus")}`,
      `    static_configs:`, `      - targets: [${JSON.stringify(`${t.host ?? "127.0.0.1"}:${t.port}`)}]`);
  }
  const configFile = join(dir, "prometheus.yml");
  writeFileSync(configFile, `${lines.join("\n")}\n`);
  const port = await freePort();
  const child: ChildProcess = spawn(bin, [
    `--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`,
    "--storage.tsdb.retention.time=1h", "--log.level=warn",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => { if (stderr.length < 20_000) stderr += d.toString(); });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const base = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) { await stop(); throw new Error(`prometheus exited: ${stderr}`); }
    try {
      const res = await fetch(`${base}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { await stop(); throw new Error(`prometheus not ready after 30s: ${stderr}`); }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    port,
    async query(promql: string): Promise<PromSample[]> {
      const j = await getJson(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`) as { status: string; data?: { result?: { metric: Record<string, string>; value: [number, string] }[] } };
      if (j.status !== "success") throw new Error(`query failed: ${JSON.stringify(j)}`);
      return (j.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async targets() {
      const j = await getJson(`${base}/api/v1/targets`) as { data?: { activeTargets?: { health: string; lastError: string; scrapeUrl: string }[] } };
      return j.data?.activeTargets ?? [];
    },
    stop,
  };
}
