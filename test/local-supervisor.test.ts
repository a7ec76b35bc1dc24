// Pod supervision with real processes: crash-looping containers restart with back-off and are
// reported; apps wait for their sidecar's readiness; shutdown stops the app before draining the
// sidecar and leaves no process (grandchildren included); logs land in the state directory.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PodRuntime, type PodStatus } from "../src/platform/local/pod-runtime.js";
import { alive, eventually, freePort } from "./local-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "mizzen-supervisor-"));
const ENV = { PATH: process.env["PATH"] ?? "/usr/bin:/bin" };
const node = (code: string): string[] => [process.execPath, "-e", code];

describe("pod supervision", () => {
  const runtimes: PodRuntime[] = [];
  after(async () => {
    await Promise.all(runtimes.map((r) => r.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("restarts a crashing container with back-off and reports restarts and the last exit", async () => {
    const seen: PodStatus[] = [];
    const rt: PodRuntime = new PodRuntime(
      { name: "crashy-1", namespace: "default", labels: { app: "crashy" }, ip: "127.0.0.1", captureMode: "NONE", init: [], containers: [{ name: "app", argv: node("console.log('boom'); process.exit(3)"), env: ENV }] },
      { logDir: join(dir, "logs"), backoff: { initialMs: 50, maxMs: 200, resetAfterMs: 60_000 }, onChange: () => seen.push(rt.status()) },
    );
    runtimes.push(rt);
    rt.start();
    const status = await eventually("three restarts", () => {
      const s = rt.status();
      return (s.containers[0]?.restarts ?? 0) >= 3 ? s : undefined;
    });
    const app = status.containers[0];
    assert.equal(app?.lastExit?.code, 3);
    assert.ok((status.restarts ?? 0) >= 3);
    assert.equal(status.ready, false);
    assert.ok(seen.some((s) => s.containers[0]?.state === "backoff" && typeof s.containers[0]?.nextStartAt === "number"), "back-off is reported with the next start");
    const log = readFileSync(join(dir, "logs", "default", "crashy-1", "app.log"), "utf8");
    assert.ok(log.split("boom").length - 1 >= 3, log);
    await rt.stop();
    assert.equal(rt.status().phase, "Stopped");
    assert.equal(rt.status().containers[0]?.state, "terminated");
  });

  it("starts the app only once the sidecar is ready, then stops the app before draining the sidecar, killing every process", async () => {
    const port = await freePort();
    const gate = join(dir, "gate");
    const order = join(dir, "order");
    const started = join(dir, "app-started");
    const grandchild = join(dir, "grandchild.pid");
    const sidecar = `
      const fs = require("node:fs");
      require("node:http").createServer((req, res) => {
        console.log("probe " + req.url);
        res.writeHead(fs.existsSync(${JSON.stringify(gate)}) ? 200 : 503).end();
      }).listen(${port}, "127.0.0.1");
      process.on("SIGTERM", () => { fs.appendFileSync(${JSON.stringify(order)}, "sidecar\\n"); setTimeout(() => process.exit(0), 100); });`;
    const app = `
      const fs = require("node:fs");
      const c = require("node:child_process").spawn("sleep", ["300"], { stdio: "ignore" });
      fs.writeFileSync(${JSON.stringify(grandchild)}, String(c.pid));
      fs.writeFileSync(${JSON.stringify(started)}, "yes");
      process.on("SIGTERM", () => { fs.appendFileSync(${JSON.stringify(order)}, "app\\n"); process.exit(0); });
      setInterval(() => {}, 1000);`;
    const rt = new PodRuntime(
      {
        name: "held-1", namespace: "default", labels: {}, ip: "127.0.0.1", captureMode: "NONE", init: [{ name: "init", argv: node("console.log('init done')"), env: ENV }],
        sidecar: { name: "proxy", argv: node(sidecar), env: ENV, readinessUrl: `http://127.0.0.1:${port}/healthz/ready` },
        containers: [{ name: "app", argv: node(app), env: ENV }],
      },
      { logDir: join(dir, "logs"), appGraceMs: 5000, sidecarGraceMs: 5000 },
    );
    runtimes.push(rt);
    rt.start();
    const logFile = join(dir, "logs", "default", "held-1", "proxy.log");
    await eventually("the sidecar answering probes", () => (existsSync(logFile) && readFileSync(logFile, "utf8").split("probe").length > 3 ? true : undefined));
    assert.equal(existsSync(started), false, "the app must not start before the sidecar is ready");
    assert.equal(rt.status().containers.find((c) => c.name === "app")?.state, "waiting");
    assert.equal(rt.status().containers.find((c) => c.name === "init")?.state, "completed");
    writeFileSync(gate, "open");
    await eventually("the pod ready", () => (rt.status().ready ? true : undefined));
    await eventually("the app started", () => (existsSync(started) ? true : undefined));
    const pids = rt.status().containers.map((c) => c.pid).filter((p): p is number => p !== undefined);
    const child = Number(await eventually("the grandchild pid", () => (existsSync(grandchild) ? readFileSync(grandchild, "utf8") : undefined)));
    assert.equal(alive(child), true);
    await rt.stop();
    assert.deepEqual(readFileSync(order, "utf8").trim().split("\n"), ["app", "sidecar"]);
    for (const pid of [...pids, child]) assert.equal(alive(pid), false, `process ${pid} still alive`);
  });
});
