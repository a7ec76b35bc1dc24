// Istio's egress gateway task on the real local mesh: a ServiceEntry for httpbin.example.test (a
// test HTTP server on this host standing in for the external service: loopback in NONE, the
// bridge address in REDIRECT), a Gateway on istio-egressgateway and the VirtualService that sends
// the mesh's requests to the egress gateway and the gateway's to the external host. A client pod
// calls http://httpbin.example.test/ as an app would (REDIRECT: plain DNS and a connection from
// inside its namespace; NONE: through its sidecar's HTTP_PROXY); the request must leave through
// the egress gateway: the server sees it come from the gateway, and the gateway counts it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { readMeshState } from "../src/platform/local/mesh/state.js";
import {
  eventually, meshPods, proxyAdmin, redirectUnavailable, REPO_ROOT, startTestMesh, statValue, type Page, type TestMesh,
} from "../src/platform/local/mesh/testing/mesh-fixture.js";

const HOST = "httpbin.example.test";
const GATEWAY_CLUSTER = `cluster.outbound|80||${HOST}.upstream_rq_total`;
// Istio keeps only a minimal set of Envoy stats; proxyStatsMatcher adds the request counts, as an
// Istio user would for this check (Istio's "Envoy Statistics" page).
const MESH_CONFIG = "accessLogFile: /dev/stdout\ndefaultConfig:\n  proxyStatsMatcher:\n    inclusionSuffixes: [upstream_rq_total]\n";

const CLIENT = `apiVersion: v1
kind: ServiceAccount
metadata: { name: sleep }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: sleep }
spec:
  selector: { matchLabels: { app: sleep } }
  template:
    metadata: { labels: { app: sleep } }
    spec:
      serviceAccountName: sleep
      containers:
      - name: sleep
        command: ["node", "-e", "setInterval(() => undefined, 1 << 30)"]
`;

/** The external service: answers every request with the caller's address. */
function startExternal(host: string): Promise<{ server: http.Server; port: number; callers: string[] }> {
  const callers: string[] = [];
  const server = http.createServer((req, res) => {
    callers.push(req.socket.remoteAddress ?? "");
    res.writeHead(200, { "content-type": "text/plain" }).end(`external says hello to ${req.headers.host ?? ""}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve({ server, port: (server.address() as AddressInfo).port, callers }));
  });
}

/** Istio's task ServiceEntry with the test server as the external host's endpoint (it has no public DNS name). */
function serviceEntryWithEndpoint(dir: string, address: string, port: number): string {
  const doc = parseAllDocuments(readFileSync(join(REPO_ROOT, "samples/bookinfo/tasks/egress-serviceentry.yaml"), "utf8"))[0]?.toJS() as { spec: Record<string, unknown> };
  doc.spec["endpoints"] = [{ address, ports: { "http-port": port } }];
  const file = join(dir, "serviceentry.yaml");
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

/** GET http://httpbin.example.test/ the way the client pod's app would send it. */
async function fromClient(mesh: TestMesh): Promise<Page> {
  const pod = (await meshPods(mesh)).find((p) => p.name.startsWith("sleep-"));
  if (!pod) return { status: 0, body: "no client pod" };
  if (pod.captureMode === "NONE") {
    return new Promise((resolve) => {
      const req = http.request({ host: pod.ip, port: 15001, path: `http://${HOST}/`, headers: { host: HOST }, agent: false, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      });
      req.on("timeout", () => req.destroy());
      req.on("error", (e) => resolve({ status: 0, body: e.message }));
      req.end();
    });
  }
  const code = `require("http").get("http://${HOST}/", (r) => { let b = ""; r.on("data", (c) => b += c); r.on("end", () => console.log(JSON.stringify({ status: r.statusCode, body: b }))); }).on("error", (e) => console.log(JSON.stringify({ status: 0, body: e.message })))`;
  return new Promise((resolve) => {
    execFile("ip", ["netns", "exec", `mzn-${pod.name}`, process.execPath, "-e", code], { timeout: 15_000 }, (err, stdout) => {
      try {
        resolve(JSON.parse(stdout) as Page);
      } catch {
        resolve({ status: 0, body: err?.message ?? stdout });
      }
    });
  });
}

function describeEgress(capture: "redirect" | "none", skip: string | false): void {
  describe(`egress gateway: mesh → istio-egressgateway → external host (capture ${capture})`, { skip }, () => {
    const work = mkdtempSync(join(tmpdir(), "mizzen-egress-"));
    let mesh: TestMesh | undefined;
    let external: Awaited<ReturnType<typeof startExternal>> | undefined;

    before(async () => {
      writeFileSync(join(work, "client.yaml"), CLIENT);
      mesh = await startTestMesh({ capture, paths: [join(work, "client.yaml")], meshConfig: MESH_CONFIG });
    });
    after(async () => {
      await mesh?.down();
      external?.server.close();
      rmSync(work, { recursive: true, force: true });
    });

    it("routes the client's request through the egress gateway to the external service", async () => {
      const m = mesh;
      assert.ok(m);
      assert.equal(m.up.code, 0, m.up.stdout + m.up.stderr);
      const bridge = readMeshState(m.stateDir)?.bridge;
      const address = capture === "redirect" ? bridge?.gateway : "127.0.0.1";
      assert.ok(address, "the mesh's bridge address");
      external = await startExternal(address);
      const ext = external;
      const se = serviceEntryWithEndpoint(work, address, ext.port);
      const applied = await m.cli(["apply", "-f", se, "-f", join(REPO_ROOT, "samples/bookinfo/tasks/egress-gateway.yaml")]);
      assert.equal(applied.code, 0, applied.stderr);
      const gateway = await eventually("the egress gateway pod ready", async () => (await meshPods(m)).find((p) => p.name.startsWith("istio-egressgateway-") && p.ready), 60_000);
      let last = "";
      const page = await eventually("the external service's answer", async () => {
        const p = await fromClient(m);
        last = `${p.status} ${p.body.slice(0, 200)}`;
        return p.status === 200 ? p : undefined;
      }, 60_000, () => last);
      assert.match(page.body, new RegExp(`external says hello to ${HOST.replace(/\./g, "\\.")}`));
      // It left through the gateway: the gateway counted it on the external host's cluster ...
      const stats = await proxyAdmin(m, "istio-egressgateway-", "/stats");
      assert.ok(statValue(stats, GATEWAY_CLUSTER) >= 1, `the egress gateway's ${GATEWAY_CLUSTER}`);
      assert.ok(!stats.includes(`cluster.outbound|80||${HOST}.upstream_rq_success:`), "stats outside Istio's set and the matcher are left out");
      assert.match(stats, /^server\.live: 1$/m, "Istio's required stats stay");
      // ... and logged it,
      const logFile = gateway.containers.find((c) => c.name === "istio-proxy")?.logFile;
      assert.ok(logFile);
      await eventually("the egress gateway's access log line", async () => (readFileSync(logFile, "utf8").includes(HOST) ? true : undefined), 10_000);
      // ... and in REDIRECT the external service saw the gateway's address, not the client's.
      if (capture === "redirect") assert.ok(ext.callers.includes(gateway.ip), `callers ${ext.callers.join(", ")}, gateway ${gateway.ip}`);
    });
  });
}

describeEgress("redirect", redirectUnavailable ? `REDIRECT needs root and iptables: ${redirectUnavailable}` : false);
describeEgress("none", false);
