// End to end: `mizzen control-plane` (in process) + `mizzen proxy` (a child process speaking ADS)
// route HTTP on loopback by a VirtualService; rewriting the file reroutes while a bounded load loop
// keeps sending requests, and none of them fails.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { createServer as createHttpServer, request, Agent, type Server } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { adsBootstrap, BIN, ECHO_SUBSETS, postJson, runCli, startControlPlane, waitFor, type StartedControlPlane } from "./controlplane-helpers.js";

const PROXY_IP = "127.0.0.2";

function service(port: number): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: echo
  namespace: default
spec:
  selector: {app: echo}
  ports:
  - name: http
    port: ${port}
    targetPort: http
`;
}

function routeTo(subset: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: echo
  namespace: default
spec:
  hosts: [echo]
  http:
  - route:
    - destination: {host: echo, subset: ${subset}}
`;
}

function bootstrap(xdsPort: number): object {
  return adsBootstrap({
    nodeId: `sidecar~${PROXY_IP}~client.default~default.svc.cluster.local`, cluster: "client.default",
    metadata: { INTERCEPTION_MODE: "NONE", NAMESPACE: "default" }, xdsPort,
  });
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function backend(body: string): Promise<{ server: Server; port: number }> {
  const server = createHttpServer((_req, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, port: (server.address() as { port: number }).port };
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: PROXY_IP, port, path: "/", agent, headers: { host: "echo.default.svc.cluster.local" }, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

describe("control plane + mizzen proxy", () => {
  let cp: StartedControlPlane;
  let proxy: ChildProcess | undefined;
  const backends: Server[] = [];
  let svcPort = 0;
  let proxyLog = "";
  let bootstrapFile = "";

  before(async () => {
    const v1 = await backend("v1");
    const v2 = await backend("v2");
    backends.push(v1.server, v2.server);
    svcPort = await freePort(PROXY_IP);
    cp = await startControlPlane({ "svc.yaml": service(svcPort), "dr.yaml": ECHO_SUBSETS, "vs.yaml": routeTo("v1") });
    for (const [name, version, port] of [["echo-v1", "v1", v1.port], ["echo-v2", "v2", v2.port]] as const) {
      const r = await postJson(cp.monitoringPort, "/debug/workloads", { op: "upsert", workload: { name, address: "127.0.0.1", labels: { app: "echo", version }, ports: { http: port } } });
      assert.equal(r.status, 200);
    }
    await cp.cp.idle();
    bootstrapFile = join(cp.dir, "..", `mizzen-e2e-bootstrap-${process.pid}.json`);
    await writeFile(bootstrapFile, JSON.stringify(bootstrap(cp.xdsPort)));
    proxy = spawn(process.execPath, [BIN, "proxy", "--bootstrap", bootstrapFile, "--admin-port", "0", "--drain-time-s", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    proxy.stdout?.on("data", (c: Buffer) => (proxyLog = (proxyLog + c.toString()).slice(-8000)));
    proxy.stderr?.on("data", (c: Buffer) => (proxyLog = (proxyLog + c.toString()).slice(-8000)));
  });

  after(async () => {
    agent.destroy();
    if (proxy && proxy.exitCode === null) {
      const exited = new Promise((r) => proxy?.once("exit", r));
      proxy.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (proxy.exitCode === null) proxy.kill("SIGKILL");
    }
    await cp.stop();
    for (const b of backends) b.close();
    if (bootstrapFile) await rm(bootstrapFile, { force: true });
  });

  it("routes by the VirtualService and reroutes on a file change without a failed request", async (t) => {
    await waitFor("the proxy routing to v1", async () => {
      try {
        return (await get(svcPort)).body === "v1";
      } catch {
        return false;
      }
    }, 15_000).catch((e: unknown) => {
      throw new Error(`${String(e)}; proxy log: ${proxyLog}`);
    });
    const results: { at: number; status: number; body: string }[] = [];
    const failures: string[] = [];
    let changedAt = 0;
    const deadline = Date.now() + 15_000;
    // A steady sequential load; the VirtualService flips after 50 requests; stop 50 requests after v2 shows.
    let sawV2 = -1;
    for (let i = 0; i < 5000 && Date.now() < deadline; i++) {
      if (i === 50) {
        changedAt = Date.now();
        await cp.write("vs.yaml", routeTo("v2"));
      }
      try {
        const r = await get(svcPort);
        results.push({ at: Date.now(), ...r });
        if (r.status !== 200) failures.push(`#${i}: HTTP ${r.status} ${r.body}`);
        if (r.body === "v2" && sawV2 < 0) sawV2 = i;
      } catch (e) {
        failures.push(`#${i}: ${String(e)}`);
      }
      if (sawV2 >= 0 && i >= sawV2 + 50) break;
    }
    assert.deepEqual(failures, []);
    assert.ok(sawV2 > 0, "traffic moved to v2");
    const after = results.slice(sawV2);
    assert.ok(after.every((r) => r.body === "v2"), "once rerouted, every request goes to v2");
    const first = results.find((r) => r.body === "v2");
    t.diagnostic(`rerouted ${first ? first.at - changedAt : -1} ms after the file write; ${results.length} requests, 0 failed`);
  });

  it("shows the proxy SYNCED in proxy-status and its clusters through proxy-config, from the control plane and from its admin", async () => {
    const cpAddress = `127.0.0.1:${cp.monitoringPort}`;
    await waitFor("the proxy SYNCED", async () => {
      const r = await runCli(["proxy-status", "--cp-address", cpAddress]);
      const row = r.stdout.split("\n").find((l) => l.startsWith("sidecar~127.0.0.2~client.default")) ?? "";
      return /^\S+\s+client\.default\s+SYNCED\s+SYNCED\s+SYNCED\s+SYNCED\s/.test(row);
    });
    const fromCp = await runCli(["proxy-config", "cluster", "sidecar~127.0.0.2", "--cp-address", cpAddress, "--fqdn", "echo"]);
    assert.match(fromCp.stdout, new RegExp(`^echo\\.default\\.svc\\.cluster\\.local\\s+${svcPort}\\s+v2\\s+outbound\\s+EDS`, "m"));
    const admin = /admin on 127\.0\.0\.1:(\d+)/.exec(proxyLog)?.[1];
    assert.ok(admin, `the proxy logs its admin port: ${proxyLog}`);
    const fromAdmin = await runCli(["proxy-config", "cluster", "--admin", `127.0.0.1:${admin}`, "--fqdn", "echo"]);
    assert.equal(fromAdmin.code, 0, fromAdmin.stderr);
    assert.match(fromAdmin.stdout, new RegExp(`^echo\\.default\\.svc\\.cluster\\.local\\s+${svcPort}\\s+v1\\s+outbound\\s+EDS`, "m"));
  });
});
