// DNS capture in a REDIRECT pod: a network namespace on a test bridge with `mizzen init-capture`,
// the sidecar (`mizzen proxy` as uid 1337 with node metadata DNS_CAPTURE=true) fed by the control
// plane on the bridge gateway. The app resolves `reviews` through its resolv.conf (port 53,
// captured to 15053), connects to the VIP, lands on the sidecar's 15001 and reaches the reviews
// endpoint (a server on the host). Needs root, iproute2 and iptables; skipped with the reason otherwise.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ControlPlane, decodeWorkloadUpdate } from "../src/controlplane/index.js";
import { originalDstAvailable } from "../src/proxy/listener/original-dst.js";
import { createPodNetwork, ensureBridge, inPodNetwork, netnsName, podNetworkUnavailableReason, podResolvConf, removeBridge, removePodNetwork, type BridgeSpec } from "../src/platform/local/pod-network.js";
import { eventually, freeTestBridge } from "./local-helpers.js";
import { adsBootstrap } from "./controlplane-helpers.js";

const BIN = new URL("../../bin/mizzen.js", import.meta.url).pathname;
const BOOKINFO = new URL("../../samples/bookinfo/platform/bookinfo.yaml", import.meta.url).pathname;
const POD = `dns-app-${process.pid}`;
const PROXY_UID = 1337;
const NAMESERVER = "203.0.113.53"; // TEST-NET-3: nothing answers there, only capture can

function reason(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (network namespaces and iptables)";
  const r = podNetworkUnavailableReason();
  if (r) return `${r} (apt-get install -y iptables iproute2)`;
  if (spawnSync("setpriv", ["--version"]).status !== 0) return "setpriv (util-linux) is not installed";
  if (!originalDstAvailable()) return "the original-destination addon did not build (npm rebuild)";
  return undefined;
}

const why = reason();
const BRIDGE: BridgeSpec = why ? { name: "mzd-none", gateway: "198.19.0.1", prefix: 24 } : freeTestBridge("mzd", 7);
const NET = BRIDGE.gateway.slice(0, BRIDGE.gateway.lastIndexOf("."));
const POD_IP = `${NET}.20`;

// The app: the system resolver (getaddrinfo with the pod's search domains), then HTTP to the VIP.
const APP = `
const dns = require("node:dns");
const net = require("node:net");
dns.lookup("reviews", { family: 4 }, (err, address) => {
  if (err) { console.log("dns-error " + err.code); process.exit(0); }
  const c = net.connect(9080, address);
  let got = "";
  c.on("connect", () => c.write("GET /reviews/1 HTTP/1.1\\r\\nHost: reviews:9080\\r\\nConnection: close\\r\\n\\r\\n"));
  c.on("data", (b) => { got += b; });
  c.on("close", () => { console.log(JSON.stringify({ address, reply: got })); process.exit(0); });
  c.on("error", (e) => { console.log(JSON.stringify({ address, error: e.code })); process.exit(0); });
});
setTimeout(() => { console.log("timeout"); process.exit(0); }, 8000).unref();`;

function bootstrap(xdsHost: string, xdsPort: number): object {
  return adsBootstrap({
    nodeId: `sidecar~${POD_IP}~${POD}.default~default.svc.cluster.local`, cluster: "productpage.default",
    metadata: { INTERCEPTION_MODE: "REDIRECT", NAMESPACE: "default", DNS_CAPTURE: "true", LABELS: { app: "productpage" } },
    xdsHost, xdsPort, adminPort: 15000,
  });
}

function sh(argv: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: "utf8", timeout: 20_000 });
  return { status: r.status, out: r.stdout ?? "", err: r.stderr ?? "" };
}

/** Like sh, but leaves the event loop running (the control plane and the backend live in this process). */
function run(argv: string[]): Promise<{ out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout.on("data", (b: Buffer) => { out += b.toString(); });
    child.stderr.on("data", (b: Buffer) => { err += b.toString(); });
    child.once("close", () => { clearTimeout(timer); resolve({ out, err }); });
  });
}

describe("DNS capture in a REDIRECT pod", { skip: why ?? false }, () => {
  let cp: ControlPlane | undefined;
  let configDir = "";
  let proxy: ChildProcess | undefined;
  let proxyOut = "";
  let backend: http.Server | undefined;

  before(async () => {
    ensureBridge(BRIDGE);
    createPodNetwork(POD, POD_IP, BRIDGE, podResolvConf("default", NAMESERVER));
    // The reviews endpoint: a server on the bridge gateway (the host), registered as a live workload.
    backend = http.createServer((_req, res) => res.end("reviews-backend"));
    await new Promise<void>((r) => backend?.listen(9080, BRIDGE.gateway, () => r()));
    configDir = await mkdtemp(join(tmpdir(), "mizzen-dns-redirect-"));
    await chmod(configDir, 0o755); // the sidecar runs as uid 1337 and reads its bootstrap here
    await writeFile(join(configDir, "bookinfo.yaml"), await readFile(BOOKINFO, "utf8"));
    cp = new ControlPlane({ configDir, xdsAddress: `${BRIDGE.gateway}:0`, monitoringHost: "127.0.0.1", monitoringPort: 0, debounceAfterMs: 20, log: () => undefined });
    const { xdsPort } = await cp.start();
    cp.applyWorkload(decodeWorkloadUpdate({ op: "upsert", workload: { name: "reviews-v1-0", namespace: "default", address: BRIDGE.gateway, labels: { app: "reviews", version: "v1" }, ports: { http: 9080 }, ready: true } }));
    const file = join(configDir, "sidecar.json");
    await writeFile(file, JSON.stringify(bootstrap(BRIDGE.gateway, xdsPort)), { mode: 0o644 });
    const init = sh(inPodNetwork(POD, [process.execPath, BIN, "init-capture", "-p", "15001", "-z", "15006", "-u", String(PROXY_UID), "-m", "REDIRECT", "-i", "*", "-b", "*", "-d", "15090,15021,15020"]));
    assert.equal(init.status, 0, init.err);
    proxy = spawn(inPodNetwork(POD, [])[0] as string, inPodNetwork(POD, ["setpriv", `--reuid=${PROXY_UID}`, `--regid=${PROXY_UID}`, "--clear-groups", process.execPath, BIN, "proxy", "--bootstrap", file, "--drain-time-s", "0"]).slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    proxy.stdout?.on("data", (b: Buffer) => { proxyOut += b.toString(); });
    proxy.stderr?.on("data", (b: Buffer) => { proxyOut += b.toString(); });
    await eventually("the sidecar's DNS proxy and first xDS", () => (/DNS proxy on 127\.0\.0\.1:15053/.test(proxyOut) && /LIVE/.test(proxyOut) ? true : undefined), 20_000)
      .catch((e: Error) => { throw new Error(`${e.message}; proxy output:\n${proxyOut}`); });
  });

  after(async () => {
    if (proxy && proxy.exitCode === null && proxy.signalCode === null) {
      const exited = new Promise<void>((r) => proxy?.once("exit", () => r()));
      proxy.kill("SIGKILL");
      await exited;
    }
    await cp?.stop();
    await new Promise<void>((r) => (backend ? backend.close(() => r()) : r()));
    removePodNetwork(POD);
    removeBridge(BRIDGE);
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  it("resolves reviews through the captured port 53 and reaches it via the sidecar's 15001", async () => {
    const vip = cp?.registry.snapshot().service("reviews.default.svc.cluster.local")?.address;
    assert.ok(vip);
    let lastApp = "";
    const result = await eventually("the app to reach reviews by name", async () => {
      const r = await run(inPodNetwork(POD, [process.execPath, "-e", APP]));
      const line = r.out.trim();
      lastApp = line + r.err;
      return line.startsWith("{") && line.includes("reviews-backend") ? (JSON.parse(line) as { address: string; reply: string }) : undefined;
    }, 20_000).catch((e: Error) => { throw new Error(`${e.message}; the app said: ${lastApp}; last proxy output:\n${proxyOut.slice(-2000)}`); });
    assert.equal(result.address, vip);
    assert.match(result.reply, /^HTTP\/1\.1 200/);
    // The sidecar saw the request on its outbound capture port (its own stats, read in the pod).
    const statsRun = await run(inPodNetwork(POD, [process.execPath, "-e", "fetch('http://127.0.0.1:15000/stats').then(r=>r.text()).then(t=>console.log(t))"]));
    const stats = statsRun.out + statsRun.err;
    assert.match(stats, /listener\.0\.0\.0\.0_15001\.downstream_cx_total: [1-9]/);
  });

  it("leaves no namespace or bridge behind", async () => {
    if (proxy && proxy.exitCode === null && proxy.signalCode === null) {
      const exited = new Promise<void>((r) => proxy?.once("exit", () => r()));
      proxy.kill("SIGKILL");
      await exited;
    }
    removePodNetwork(POD);
    removeBridge(BRIDGE);
    assert.equal(sh(["ip", "netns", "list"]).out.includes(netnsName(POD)), false);
    assert.doesNotMatch(sh(["ip", "link"]).out, new RegExp(`${BRIDGE.name}[:@]`));
  });
});

if (why) {
  describe("DNS capture in a REDIRECT pod", () => {
    it(`skipped: ${why}`, { skip: why }, () => undefined);
  });
}
