// The local platform launcher end to end with real processes: Bookinfo's manifests as pods in
// NONE mode (loopback addresses, Kubernetes pod names, state file, logs), the env a meshed NONE
// pod's app gets, and a REDIRECT pod (namespace, init-capture, sidecar as uid 1337, inbound
// captured) torn down without a trace. REDIRECT parts skip without root/iptables.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeText } from "../src/config/decode/index.js";
import type { Deployment } from "../src/config/kinds/core/index.js";
import { LocalPlatform } from "../src/platform/local/local-platform.js";
import { loadManifests } from "../src/platform/local/manifests.js";
import { netnsName, podNetworkUnavailableReason } from "../src/platform/local/pod-network.js";
import { planDeployment } from "../src/platform/local/pod-plan.js";
import { alive, eventually, freeTestBridge } from "./local-helpers.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "mizzen-platform-"));

function getText(host: string, port: number, path: string): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    let data = "";
    s.setTimeout(3000, () => s.destroy());
    s.on("connect", () => s.write(`GET ${path} HTTP/1.0\r\nHost: x\r\n\r\n`));
    s.on("data", (b: Buffer) => { data += b.toString(); });
    s.on("close", () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      resolve(m ? { status: Number(m[1]), body: data.slice(data.indexOf("\r\n\r\n") + 4) } : data ? { status: 0, body: data } : undefined);
    });
    s.on("error", () => undefined);
  });
}

function deployment(name: string, code: string): Deployment {
  const yaml = `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name}, version: v1 } }
    spec:
      containers:
      - name: ${name}
        command: ${JSON.stringify([process.execPath, "-e", code])}
        ports: [{ containerPort: 9080 }]
`;
  const r = decodeText(yaml, "inline.yaml");
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === "error"), []);
  return r.resources[0] as Deployment;
}

after(() => rmSync(dir, { recursive: true, force: true }));

describe("local platform, capture NONE", () => {
  const platforms: LocalPlatform[] = [];
  after(async () => { await Promise.all(platforms.map((p) => p.shutdown())); });

  it("runs Bookinfo's Deployments as pods on loopback addresses, answering on the app address", async () => {
    const { deployments } = await loadManifests([join(ROOT, "samples/bookinfo/platform/bookinfo.yaml")]);
    const plans = deployments.flatMap((d) => planDeployment(d));
    assert.deepEqual(plans.map((p) => p.deployment).sort(), ["details-v1", "productpage-v1", "ratings-v1", "reviews-v1", "reviews-v2", "reviews-v3"]);
    const stateDir = join(dir, "none-state");
    const platform = new LocalPlatform({ captureMode: "NONE", stateDir, cwd: ROOT, appGraceMs: 2000 });
    platforms.push(platform);
    platform.startPods(plans);
    assert.equal(await platform.waitReady(20_000), true);
    const pods = platform.status();
    for (const p of pods) {
      assert.match(p.name, /^[a-z0-9-]+-v\d-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.match(p.ip, /^127\.18\.\d+\.\d+$/);
    }
    const details = pods.find((p) => p.labels["app"] === "details");
    assert.ok(details?.appAddress);
    const r = await eventually("details answering", () => getText(details.appAddress as string, 9080, "/details/0"));
    assert.equal(r.status, 200);
    assert.match(r.body, /William Shakespeare/);
    const reviewsV3 = pods.find((p) => p.labels["app"] === "reviews" && p.labels["version"] === "v3");
    assert.ok(reviewsV3?.appAddress);
    const v3 = await eventually("reviews answering", () => getText(reviewsV3.appAddress as string, 9080, "/health"));
    assert.equal(v3.status, 200);
    const state = JSON.parse(readFileSync(join(stateDir, "pods.json"), "utf8")) as { name: string; namespace: string; labels: Record<string, string>; ip: string; ready: boolean }[];
    assert.deepEqual(state.map((s) => s.name).sort(), pods.map((p) => p.name).sort());
    assert.ok(state.every((s) => s.namespace === "default" && typeof s.ready === "boolean" && s.labels["app"]));
    const log = readFileSync(join(stateDir, "logs", "default", details.name, "details.log"), "utf8");
    assert.match(log, /details listening on 127\.19\./);
    const workloads = platform.workloadInputs();
    const detailsWorkload = workloads.find((w) => w.name === details.name);
    assert.equal(detailsWorkload?.address, details.ip);
    assert.equal(detailsWorkload?.serviceAccount, "bookinfo-details");
    assert.equal(detailsWorkload?.sidecar, false);
    assert.equal(detailsWorkload?.labels?.["version"], "v1");
    const pids = pods.flatMap((p) => p.containers.map((c) => c.pid)).filter((p): p is number => p !== undefined);
    assert.equal(pids.length, 6);
    await platform.shutdown();
    for (const pid of pids) assert.equal(alive(pid), false);
    assert.ok(platform.status().every((p) => p.phase === "Stopped"));
  });

  it("gives a meshed pod's app HOST (its own address) and HTTP_PROXY (the sidecar), the sidecar the pod address", async () => {
    const platform = new LocalPlatform({
      captureMode: "NONE", stateDir: join(dir, "none-env"), cwd: ROOT,
      sidecar: ({ addresses }) => ({
        name: "istio-proxy",
        argv: [process.execPath, "-e", `require("node:http").createServer((q, s) => s.end("ok")).listen(15021, process.env.INSTANCE_IP)`],
        env: {},
        readinessUrl: `http://${addresses.ip}:15021/healthz/ready`,
      }),
    });
    platforms.push(platform);
    const [pod] = platform.startPods(planDeployment(deployment("envdump", `console.log(JSON.stringify({ host: process.env.HOST, proxy: process.env.HTTP_PROXY, name: process.env.POD_NAME })); setInterval(() => {}, 1000)`)));
    assert.ok(pod);
    assert.equal(await platform.waitReady(20_000), true);
    const logFile = join(dir, "none-env", "logs", "default", pod.name, "envdump.log");
    const line = await eventually("the app's env", () => {
      try {
        return readFileSync(logFile, "utf8").split("\n").find((l) => l.startsWith("{"));
      } catch {
        return undefined;
      }
    });
    assert.deepEqual(JSON.parse(line), { host: pod.appAddress, proxy: `http://${pod.ip}:15001`, name: pod.name });
    await platform.shutdown();
  });
});

const redirectSkip = podNetworkUnavailableReason();

describe("local platform, capture REDIRECT", { skip: redirectSkip ? `${redirectSkip} (apt-get install -y iptables iproute2, run as root)` : false }, () => {
  const bridge = redirectSkip ? { name: "mzp-none", gateway: "198.19.0.1", prefix: 24 } : freeTestBridge("mzp", 120);
  const net24 = bridge.gateway.slice(0, bridge.gateway.lastIndexOf(".")).replaceAll(".", "\\.");
  let platform: LocalPlatform | undefined;
  after(async () => { await platform?.shutdown(); });

  it("puts the pod in its own namespace with capture installed and the sidecar as uid 1337, and leaves nothing behind", async () => {
    const standIn = `
      const net = require("node:net");
      require("node:http").createServer((q, s) => s.end("uid " + process.getuid())).listen(15021, "0.0.0.0");
      net.createServer((s) => { s.on("error", () => {}); s.end("captured-inbound"); }).listen(15006, "0.0.0.0");`;
    platform = new LocalPlatform({
      captureMode: "REDIRECT", bridge, stateDir: join(dir, "redirect"), cwd: ROOT, sidecarGraceMs: 2000,
      sidecar: ({ addresses }) => ({ name: "istio-proxy", argv: [process.execPath, "-e", standIn], env: {}, readinessUrl: `http://${addresses.ip}:15021/healthz/ready` }),
    });
    const [pod] = platform.startPods(planDeployment(deployment("web", `require("node:http").createServer((q, s) => s.end("app")).listen(9080)`)));
    assert.ok(pod);
    assert.equal(await platform.waitReady(30_000), true);
    assert.match(pod.ip, new RegExp(`^${net24}\\.\\d+$`));
    const health = await getText(pod.ip, 15021, "/healthz/ready");
    assert.equal(health?.body, "uid 1337");
    const inbound = await new Promise<string>((resolve) => {
      const s = net.connect(9080, pod.ip);
      let d = "";
      s.on("data", (b: Buffer) => { d += b.toString(); });
      s.on("close", () => resolve(d));
      s.on("error", (e) => resolve(`error ${e.message}`));
    });
    assert.equal(inbound, "captured-inbound");
    const nat = spawnSync("ip", ["netns", "exec", netnsName(pod.name), "iptables", "-t", "nat", "-S"], { encoding: "utf8" }).stdout;
    assert.match(nat, /MIZZEN_OUTPUT/);
    const resolv = spawnSync("ip", ["netns", "exec", netnsName(pod.name), "cat", "/etc/resolv.conf"], { encoding: "utf8" }).stdout;
    assert.match(resolv, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local$/m);
    assert.match(resolv, /^options ndots:5$/m);
    assert.equal(platform.status()[0]?.containers.find((c) => c.role === "init")?.state, "completed");
    const pids = (platform.status()[0]?.containers ?? []).map((c) => c.pid).filter((p): p is number => p !== undefined);
    await platform.shutdown();
    platform = undefined;
    for (const pid of pids) assert.equal(alive(pid), false);
    assert.equal(spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout.includes(netnsName(pod.name)), false);
    assert.equal(existsSync(`/etc/netns/${netnsName(pod.name)}`), false);
    assert.doesNotMatch(spawnSync("ip", ["link"], { encoding: "utf8" }).stdout, new RegExp(`${bridge.name}[:@]`));
    assert.doesNotMatch(spawnSync("iptables-save", [], { encoding: "utf8" }).stdout, new RegExp(`-i ${bridge.name} `));
  });
});
