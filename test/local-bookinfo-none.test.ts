// Bookinfo on the local platform in capture NONE, every pod with a stand-in sidecar: a forward
// proxy on <pod ip>:15001 that sends `http://<service>:9080/…` to a pod of that app (found in
// the platform's pods.json) and a readiness endpoint on 15021. Shows the launcher's wiring
// (HTTP_PROXY, HOST, pod addresses, readiness gating) carrying Bookinfo's calls between pods.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalPlatform } from "../src/platform/local/local-platform.js";
import { loadManifests } from "../src/platform/local/manifests.js";
import { planDeployment } from "../src/platform/local/pod-plan.js";
import { eventually } from "./local-helpers.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "mizzen-bookinfo-none-"));

const STAND_IN = `
import http from "node:http";
import { readFileSync } from "node:fs";
const ip = process.env.INSTANCE_IP;
const state = process.argv[2];
const pick = (app) => {
  let pods = [];
  try { pods = JSON.parse(readFileSync(state, "utf8")).filter((p) => p.labels.app === app && p.ready); } catch { return undefined; }
  const only = process.env["ROUTE_" + app.toUpperCase()];
  const chosen = only ? pods.filter((p) => p.labels.version === only) : pods;
  return chosen[0];
};
http.createServer((req, res) => {
  let target;
  try { target = new URL(req.url); } catch { res.writeHead(400).end(); return; }
  const pod = pick(target.hostname);
  if (!pod) { res.writeHead(503).end("no healthy upstream"); return; }
  const up = http.request({ host: pod.appAddress, port: Number(target.port || 80), path: target.pathname + target.search, method: req.method, headers: req.headers, agent: false }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on("error", () => { res.writeHead(503).end(); });
  req.pipe(up);
}).listen(15001, ip);
http.createServer((req, res) => res.end("ready")).listen(15021, ip);
`;

function get(host: string, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, agent: false, timeout: 15_000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => { body += c.toString(); });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

describe("Bookinfo on the local platform, capture NONE", () => {
  let platform: LocalPlatform | undefined;
  after(async () => {
    await platform?.shutdown();
    if (!process.env["KEEP"]) rmSync(dir, { recursive: true, force: true });
  });

  it("serves the product page with reviews from another pod, through each pod's sidecar", async () => {
    const script = join(dir, "stand-in-sidecar.mjs");
    writeFileSync(script, STAND_IN);
    const stateDir = join(dir, "state");
    const { deployments } = await loadManifests([join(ROOT, "samples/bookinfo/platform/bookinfo.yaml")]);
    platform = new LocalPlatform({
      captureMode: "NONE", stateDir, cwd: ROOT, appGraceMs: 2000, sidecarGraceMs: 2000,
      sidecar: ({ addresses }) => ({
        name: "istio-proxy",
        argv: [process.execPath, script, join(stateDir, "pods.json")],
        env: { ROUTE_REVIEWS: "v3" },
        readinessUrl: `http://${addresses.ip}:15021/healthz/ready`,
      }),
    });
    platform.startPods(deployments.flatMap((d) => planDeployment(d)));
    assert.equal(await platform.waitReady(30_000), true);
    const page = platform.status().find((p) => p.labels["app"] === "productpage");
    assert.ok(page?.appAddress);
    let last = "";
    // Pods become ready one by one: wait until both details and reviews (red stars) answer.
    const r = await eventually("the product page with details and red stars", async () => {
      const res = await get(page.appAddress as string, 9080, "/productpage").catch((e: Error) => ({ status: 0, body: e.message }));
      last = res.body;
      return res.body.includes('<font color="red">') && res.body.includes("Book Details") ? res : undefined;
    }).catch((e: Error) => { throw new Error(`${e.message}; last page: ${last.slice(0, 2000)}`); });
    assert.equal(r.status, 200);
    assert.match(r.body, /Book Details/);
    assert.match(r.body, /Reviews served by:<\/dt><dd><u>reviews-v3-/);
  });
});
