// For end-to-end tests: a mesh brought up with the real `mizzen up --detach` in a temp state dir
// on free ports (REDIRECT on its own test bridge and subnet when root + iptables, else NONE), the
// CLI run as a child process, and HTTP through the ingress gateway as a user would see it.
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { podNetworkUnavailableReason } from "../../pod-network.js";
import { freePort, MIZZEN_BIN } from "../control-plane-process.js";

export const REPO_ROOT = new URL("../../../../../../", import.meta.url).pathname;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `mizzen <args>` (bounded by `timeoutMs`). */
export function mizzen(args: string[], timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MIZZEN_BIN, ...args], { cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A 198.19.<n>.0/24 subnet and bridge name nothing on this host uses (tests run side by side). */
export function freeBridge(prefix: string): { name: string; gateway: string } {
  const routes = spawnSync("ip", ["-4", "route"], { encoding: "utf8" }).stdout ?? "";
  const links = spawnSync("ip", ["link"], { encoding: "utf8" }).stdout ?? "";
  for (let i = 0; i < 100; i++) {
    const n = 130 + ((process.pid + i * 7) % 100);
    const name = `${prefix}${n}`;
    if (!routes.includes(`198.19.${n}.`) && !links.includes(` ${name}:`)) return { name, gateway: `198.19.${n}.1` };
  }
  throw new Error("no free 198.19.x.0/24 test subnet");
}

export const redirectUnavailable = podNetworkUnavailableReason();

export interface TestMesh {
  stateDir: string;
  ingressPort: number;
  ingressHttpsPort: number;
  capture: "redirect" | "none";
  up: CliResult;
  cli(args: string[], timeoutMs?: number): Promise<CliResult>;
  apply(...files: string[]): Promise<void>;
  remove(...files: string[]): Promise<void>;
  down(): Promise<CliResult>;
}

export interface TestMeshOptions {
  paths: string[];
  capture: "redirect" | "none";
  timeoutS?: number;
  /** MeshConfig YAML for the control plane (e.g. access logs on). */
  meshConfig?: string;
}

export async function startTestMesh(o: TestMeshOptions): Promise<TestMesh> {
  const stateDir = mkdtempSync(join(tmpdir(), "mizzen-mesh-"));
  const ingressPort = await freePort();
  const ingressHttpsPort = await freePort();
  const args = ["up", "--detach", "--state-dir", stateDir, "--ingress-port", String(ingressPort), "--ingress-https-port", String(ingressHttpsPort), "--capture", o.capture, "--timeout", String(o.timeoutS ?? 90), "--cwd", REPO_ROOT];
  for (const p of o.paths) args.push("-f", p);
  if (o.capture === "redirect") {
    const b = freeBridge("mzt");
    args.push("--bridge", `${b.name}=${b.gateway}`);
  }
  if (o.meshConfig) {
    const file = join(stateDir, "test-mesh.yaml");
    writeFileSync(file, o.meshConfig);
    args.push("--mesh-config", file);
  }
  const cli = (a: string[], timeoutMs?: number): Promise<CliResult> => mizzen([...a, "--state-dir", stateDir], timeoutMs);
  const up = await mizzen(args, ((o.timeoutS ?? 90) + 90) * 1000);
  let downed = false;
  const mesh: TestMesh = {
    stateDir, ingressPort, ingressHttpsPort, capture: o.capture, up, cli,
    async apply(...files) {
      const r = await cli(["apply", ...files.flatMap((f) => ["-f", join(REPO_ROOT, f)])]);
      if (r.code !== 0) throw new Error(`mizzen apply failed: ${r.stderr}`);
    },
    async remove(...files) {
      const r = await cli(["delete", ...files.flatMap((f) => ["-f", join(REPO_ROOT, f)])]);
      if (r.code !== 0) throw new Error(`mizzen delete failed: ${r.stderr}`);
    },
    async down() {
      if (downed) return { code: 0, stdout: "", stderr: "" };
      downed = true;
      const r = await mizzen(["down", "--state-dir", stateDir], 90_000);
      rmSync(stateDir, { recursive: true, force: true });
      return r;
    },
  };
  return mesh;
}

export interface Page {
  status: number;
  body: string;
}

/** One HTTP/1.1 request to 127.0.0.1:<port> or `host` (a fresh connection each time); status 0 when refused or reset. */
export function httpRequest(port: number, path: string, opts: { host?: string; method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {}): Promise<Page> {
  return new Promise((resolve) => {
    const req = http.request({ host: opts.host ?? "127.0.0.1", port, path, method: opts.method ?? "GET", headers: opts.headers, agent: false, timeout: opts.timeoutMs ?? 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", () => resolve({ status: 0, body: "" }));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", (e) => resolve({ status: 0, body: e.message }));
    req.end(opts.body);
  });
}

/** productpage as the user sees it (logged in: the `user` cookie Bookinfo's /login sets). */
export function productPage(port: number, user?: string): Promise<Page> {
  return httpRequest(port, "/productpage", user ? { headers: { cookie: `user=${user}` } } : {});
}

export type Stars = "none" | "black" | "red" | "error";

/** What the reviews part of the page shows. */
export function starsOf(page: Page): Stars {
  if (page.status !== 200) return "error";
  if (page.body.includes('<font color="red">')) return "red";
  if (page.body.includes('<font color="black">')) return "black";
  if (page.body.includes("Book Reviews")) return "none";
  return "error";
}

/** Polls `check` (every 300 ms, up to `timeoutMs`) until it returns a value; throws with `what` and the last value seen. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, last?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `; last: ${last()}` : ""}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** `n` consecutive results satisfying `ok` (config may still be propagating: retried up to the deadline). */
export async function steadily(what: string, n: number, get: () => Promise<Page>, ok: (p: Page) => boolean, timeoutMs = 30_000): Promise<void> {
  let seen = "";
  await eventually(what, async () => {
    for (let i = 0; i < n; i++) {
      const p = await get();
      if (!ok(p)) {
        seen = `${p.status} ${p.body.slice(0, 300)}`;
        return undefined;
      }
    }
    return true;
  }, timeoutMs, () => seen);
}

interface PodJson {
  name: string;
  ip: string;
  captureMode: "REDIRECT" | "NONE";
  restarts: number;
  ready: boolean;
  containers: { name: string; role: string; logFile: string; restarts: number; pid?: number }[];
}

export async function meshPods(mesh: TestMesh): Promise<PodJson[]> {
  const r = await mesh.cli(["status", "-o", "json"]);
  if (r.code !== 0) throw new Error(`mizzen status failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as PodJson[];
}

/**
 * A pod proxy's admin page (e.g. /stats): on the pod address in NONE mode; on 127.0.0.1 inside
 * the pod's network namespace in REDIRECT mode (as Istio keeps admin local to the pod).
 */
export async function proxyAdmin(mesh: TestMesh, podPrefix: string, path: string): Promise<string> {
  const pod = (await meshPods(mesh)).find((p) => p.name.startsWith(podPrefix));
  if (!pod) throw new Error(`no pod ${podPrefix}`);
  if (pod.captureMode === "NONE") return (await httpGet(pod.ip, 15000, path)).body;
  const code = `require("http").get("http://127.0.0.1:15000${path}", (r) => r.pipe(process.stdout)).on("error", (e) => { console.error(e.message); process.exit(1); })`;
  return new Promise((resolve, reject) => {
    execFile("ip", ["netns", "exec", `mzn-${pod.name}`, process.execPath, "-e", code], { timeout: 10_000, maxBuffer: 16 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

function httpGet(host: string, port: number, path: string): Promise<Page> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", (e) => resolve({ status: 0, body: e.message }));
  });
}

/** A counter from the admin /stats text (0 when absent). */
export function statValue(stats: string, name: string): number {
  const line = stats.split("\n").find((l) => l.startsWith(`${name}: `));
  return line ? Number(line.slice(name.length + 2)) : 0;
}

/** Every container process of the pods (for checking that none survives `down`). */
export function containerPids(pods: readonly PodJson[]): number[] {
  return pods.flatMap((p) => p.containers.map((c) => c.pid)).filter((p): p is number => p !== undefined);
}
