// The control plane end to end over real gRPC: config from a watched directory, an ADS client as a
// sidecar node, debounced pushes (one per edit, EDS-only on workload changes), a NACK visible in
// /debug/syncz, /metrics and `mizzen proxy-status`, and proxy-config's tables and JSON.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL } from "../src/api/envoy/type-urls.js";
import type { ProxySync } from "../src/controlplane/index.js";
import type { EnvoyJson } from "../src/proxy/contracts.js";
import { BIN, ECHO_SUBSETS, RecordingAdsClient, echoService, getJson, postJson, runCli, startControlPlane, waitFor, sleep, type StartedControlPlane } from "./controlplane-helpers.js";

const HOST = "echo.default.svc.cluster.local";
// Istio's proxyless gRPC node: a sidecar-form id with GENERATOR=grpc in its metadata.
const NODE = "sidecar~127.0.0.1~client-1.default~default.svc.cluster.local";
const SIDECAR = "sidecar~127.0.0.21~sleep-1.default~default.svc.cluster.local";

function vs(weightV1: number): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: echo
  namespace: default
spec:
  hosts: [echo]
  http:
  - route:
    - destination: {host: echo, subset: v1}
      weight: ${weightV1}
    - destination: {host: echo, subset: v2}
      weight: ${100 - weightV1}
`;
}

function weights(client: RecordingAdsClient): number[] {
  const rc = client.of(RDS_TYPE_URL).get(`${HOST}:50051`) as { virtual_hosts?: { routes?: { route?: { weighted_clusters?: { clusters?: { weight?: number }[] } } }[] }[] } | undefined;
  return rc?.virtual_hosts?.[0]?.routes?.[0]?.route?.weighted_clusters?.clusters?.map((c) => Number(c.weight)) ?? [];
}

function endpointsOf(client: RecordingAdsClient, cluster: string): string[] {
  const cla = client.of(EDS_TYPE_URL).get(cluster) as { endpoints?: { lb_endpoints?: { endpoint?: { address?: { socket_address?: { address?: string; port_value?: number } } } }[] }[] } | undefined;
  return (cla?.endpoints ?? []).flatMap((l) => (l.lb_endpoints ?? []).map((e) => `${e.endpoint?.address?.socket_address?.address ?? ""}:${e.endpoint?.address?.socket_address?.port_value ?? 0}`));
}

async function syncOf(port: number): Promise<ProxySync | undefined> {
  const s = (await getJson(port, "/debug/syncz")) as { proxies: ProxySync[] };
  return s.proxies.find((p) => p.proxyId === NODE);
}

describe("mizzen control plane over ADS", () => {
  let cp: StartedControlPlane;
  let client: RecordingAdsClient;

  before(async () => {
    cp = await startControlPlane({ "service.yaml": echoService(), "dr.yaml": ECHO_SUBSETS, "vs.yaml": vs(80) });
    const r = await postJson(cp.monitoringPort, "/debug/workloads", { op: "upsert", workload: { name: "echo-v1-a", address: "127.0.0.11", labels: { app: "echo", version: "v1" }, ports: {} } });
    assert.equal(r.status, 200);
    await cp.cp.idle();
    client = new RecordingAdsClient(`127.0.0.1:${cp.xdsPort}`, NODE, { GENERATOR: "grpc" }).start();
  });

  after(async () => {
    client.stop();
    await cp.stop();
  });

  it("serves CDS, EDS, LDS and RDS translated from the directory", async () => {
    await waitFor("all four types", () => weights(client).length === 2 && endpointsOf(client, `outbound|50051|v1|${HOST}`).length === 1);
    assert.ok(client.of(LDS_TYPE_URL).has(`${HOST}:50051`));
    assert.deepEqual([...client.of(CDS_TYPE_URL).keys()].sort(), [`outbound|50051||${HOST}`, `outbound|50051|v1|${HOST}`, `outbound|50051|v2|${HOST}`].sort());
    assert.deepEqual(weights(client), [80, 20]);
    assert.deepEqual(endpointsOf(client, `outbound|50051|v1|${HOST}`), ["127.0.0.11:50051"]);
    assert.deepEqual(endpointsOf(client, `outbound|50051|v2|${HOST}`), []);
    await waitFor("SYNCED", async () => {
      const p = await syncOf(cp.monitoringPort);
      return [CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL].every((t) => p?.types[t]?.status === "SYNCED");
    });
  });

  it("serves a sidecar node the pilot generators' listeners, routes, clusters and endpoints", async () => {
    const sidecar = new RecordingAdsClient(`127.0.0.1:${cp.xdsPort}`, SIDECAR, { NAMESPACE: "default" }).start();
    try {
      await waitFor("sidecar config", () => endpointsOf(sidecar, `outbound|50051|v1|${HOST}`).length === 1 && sidecar.of(RDS_TYPE_URL).size > 0);
      assert.ok(sidecar.of(CDS_TYPE_URL).has(`outbound|50051|v2|${HOST}`));
      assert.ok(sidecar.of(LDS_TYPE_URL).size > 0);
      assert.ok(![...sidecar.of(LDS_TYPE_URL).values()].some((l) => l.api_listener !== undefined), "a sidecar gets real listeners, not API listeners");
      const routes = JSON.stringify([...sidecar.of(RDS_TYPE_URL).values()]);
      assert.match(routes, /outbound\|50051\|v1\|echo\.default\.svc\.cluster\.local/);
    } finally {
      sidecar.stop();
    }
  });

  it("serves a delta (incremental) ADS client the same resources", async () => {
    const delta = new RecordingAdsClient(`127.0.0.1:${cp.xdsPort}`, "sidecar~127.0.0.1~client-delta.default~default.svc.cluster.local", { GENERATOR: "grpc" }, true).start();
    try {
      await waitFor("delta config", () => weights(delta).length === 2 && endpointsOf(delta, `outbound|50051|v1|${HOST}`).length === 1);
      assert.deepEqual([...delta.of(CDS_TYPE_URL).keys()].sort(), [...client.of(CDS_TYPE_URL).keys()].sort());
      const s = (await getJson(cp.monitoringPort, "/debug/syncz")) as { proxies: ProxySync[] };
      assert.equal(s.proxies.find((p) => p.proxyId.includes("client-delta"))?.protocol, "delta");
    } finally {
      delta.stop();
    }
  });

  it("pushes one debounced update for a burst of VirtualService edits", async () => {
    await client.client.settled();
    const before = { cds: client.count(CDS_TYPE_URL), eds: client.count(EDS_TYPE_URL), lds: client.count(LDS_TYPE_URL), rds: client.count(RDS_TYPE_URL) };
    // Three writes within a few milliseconds: inside one 100 ms quiet window.
    await cp.write("vs.yaml", vs(70));
    await cp.write("vs.yaml", vs(60));
    await cp.write("vs.yaml", vs(50));
    await waitFor("the new weights", () => weights(client)[0] === 50);
    await sleep(400); // a second push, if there were one, would have arrived by now
    await cp.cp.idle();
    await client.client.settled();
    assert.equal(client.count(RDS_TYPE_URL), before.rds + 1);
    assert.equal(client.count(CDS_TYPE_URL), before.cds);
    assert.equal(client.count(LDS_TYPE_URL), before.lds);
    assert.equal(client.count(EDS_TYPE_URL), before.eds);
    const p = await syncOf(cp.monitoringPort);
    await waitFor("the change's ACK latency", async () => (await syncOf(cp.monitoringPort))?.lastChangeState === "ACKED");
    assert.equal(p?.types[RDS_TYPE_URL]?.status, "SYNCED");
  });

  it("keeps the last good VirtualService when an edit is invalid and logs where", async () => {
    await cp.write("vs.yaml", vs(50).replace("weight: 50\n", "weight: -5\n"));
    await waitFor("the diagnostic", () => cp.logs.some((l) => l.includes("vs.yaml:") && l.includes("weight")), 3000).catch((e: unknown) => {
      throw new Error(`${String(e)}; logs: ${cp.logs.join(" | ")}`);
    });
    assert.deepEqual(weights(client), [50, 50]);
  });

  it("pushes EDS only when a workload is added", async () => {
    await cp.cp.idle();
    await client.client.settled();
    const before = { cds: client.count(CDS_TYPE_URL), lds: client.count(LDS_TYPE_URL), rds: client.count(RDS_TYPE_URL) };
    const r = await postJson(cp.monitoringPort, "/debug/workloads", { op: "upsert", workload: { name: "echo-v2-a", address: "127.0.0.12", labels: { app: "echo", version: "v2" } } });
    assert.deepEqual(r, { status: 200, body: { applied: 1, changed: 1 } });
    await waitFor("the new endpoint", () => endpointsOf(client, `outbound|50051|v2|${HOST}`).length === 1);
    await cp.cp.idle();
    await client.client.settled();
    assert.deepEqual(endpointsOf(client, `outbound|50051||${HOST}`).sort(), ["127.0.0.11:50051", "127.0.0.12:50051"]);
    assert.equal(client.count(CDS_TYPE_URL), before.cds);
    assert.equal(client.count(LDS_TYPE_URL), before.lds);
    assert.equal(client.count(RDS_TYPE_URL), before.rds);
    const s = (await getJson(cp.monitoringPort, "/debug/syncz")) as { lastChange?: { full: boolean } };
    assert.equal(s.lastChange?.full, false);
  });

  it("drops an endpoint when its workload turns not ready, and when it is removed", async () => {
    const notReady = await postJson(cp.monitoringPort, "/debug/workloads", { op: "upsert", workload: { name: "echo-v2-a", address: "127.0.0.12", labels: { app: "echo", version: "v2" }, ready: false } });
    assert.equal(notReady.status, 200);
    await waitFor("the not-ready endpoint gone", () => endpointsOf(client, `outbound|50051|v2|${HOST}`).length === 0);
    await postJson(cp.monitoringPort, "/debug/workloads", { op: "upsert", workload: { name: "echo-v2-a", address: "127.0.0.12", labels: { app: "echo", version: "v2" } } });
    await waitFor("the endpoint back", () => endpointsOf(client, `outbound|50051|v2|${HOST}`).length === 1);
    const removed = await postJson(cp.monitoringPort, "/debug/workloads", [{ op: "remove", namespace: "default", name: "echo-v2-a" }, { op: "remove", namespace: "default", name: "never-there" }]);
    assert.deepEqual(removed.body, { applied: 2, changed: 1 });
    await waitFor("the removed endpoint gone", () => endpointsOf(client, `outbound|50051|v2|${HOST}`).length === 0);
    await postJson(cp.monitoringPort, "/debug/workloads", { op: "upsert", workload: { name: "echo-v2-a", address: "127.0.0.12", labels: { app: "echo", version: "v2" } } });
    await waitFor("the endpoint back again", () => endpointsOf(client, `outbound|50051|v2|${HOST}`).length === 1);
  });

  it("rejects a malformed workload update with a stable code", async () => {
    const r = await postJson(cp.monitoringPort, "/debug/workloads", { op: "upsert", workload: { name: "x" } });
    assert.equal(r.status, 400);
    assert.equal((r.body as { code?: string }).code, "MIZZEN_ERR_WORKLOAD_UPDATE");
  });

  it("shows a NACKed cluster in /debug/syncz, /metrics and proxy-status", async () => {
    client.reject = (typeUrl, r) => (typeUrl === CDS_TYPE_URL && r.name.includes("|rejectme.") ? "cluster rejected by the test client" : undefined);
    await cp.write("reject.yaml", echoService("rejectme", 8080));
    await waitFor("the NACK in syncz", async () => (await syncOf(cp.monitoringPort))?.types[CDS_TYPE_URL]?.lastNack !== undefined);
    const p = await syncOf(cp.monitoringPort);
    assert.equal(p?.types[CDS_TYPE_URL]?.status, "STALE");
    assert.match(p?.types[CDS_TYPE_URL]?.lastNack?.message ?? "", /cluster rejected by the test client/);
    const metrics = await (await fetch(`http://127.0.0.1:${cp.monitoringPort}/metrics`)).text();
    assert.match(metrics, /^pilot_total_xds_rejects\{type="cds"\} 1$/m);
    assert.match(metrics, /^pilot_xds [1-9]\d*$/m);
    assert.match(metrics, /^pilot_xds_pushes\{type="rds"\} \d+$/m);
    const table = await runCli(["proxy-status", "--cp-address", `127.0.0.1:${cp.monitoringPort}`]);
    assert.equal(table.code, 0, table.stderr);
    const row = table.stdout.split("\n").find((l) => l.startsWith(NODE)) ?? "";
    assert.match(row, /STALE \(NACK\)/);
    assert.match(table.stdout, /cluster rejected by the test client/);
    const json = await runCli(["proxy-status", "--cp-address", `127.0.0.1:${cp.monitoringPort}`, "-o", "json"]);
    const parsed = JSON.parse(json.stdout) as { proxies: ProxySync[] };
    assert.match(parsed.proxies[0]?.types[CDS_TYPE_URL]?.lastNack?.message ?? "", /rejected by the test client/);
  });

  it("prints proxy-config tables and Envoy JSON for a proxy id prefix", async () => {
    const base = ["--cp-address", `127.0.0.1:${cp.monitoringPort}`];
    const clusters = await runCli(["proxy-config", "cluster", "sidecar~127.0.0.1~client-1", ...base]);
    assert.equal(clusters.code, 0, clusters.stderr);
    assert.match(clusters.stdout, /^SERVICE FQDN\s+PORT\s+SUBSET\s+DIRECTION\s+TYPE\s+DESTINATION RULE$/m);
    assert.match(clusters.stdout, /^echo\.default\.svc\.cluster\.local\s+50051\s+v2\s+outbound\s+EDS\s+echo\.default$/m);
    const routes = await runCli(["proxy-config", "route", NODE, ...base]);
    assert.match(routes.stdout, /echo\.default\.svc\.cluster\.local:50051\s+.*echo\.default$/m);
    const eps = await runCli(["proxy-config", "endpoint", NODE, "--port", "50051", ...base]);
    assert.match(eps.stdout, /^127\.0\.0\.12:50051\s+HEALTHY\s+OK\s+outbound\|50051\|v2\|echo/m);
    const json = await runCli(["proxy-config", "listener", NODE, "-o", "json", ...base]);
    const listeners = JSON.parse(json.stdout) as EnvoyJson[];
    assert.ok(listeners.some((l) => l.name === `${HOST}:50051`));
    const unknown = await runCli(["proxy-config", "cluster", "nobody", ...base]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /MIZZEN_ERR_PROXY_NOT_FOUND/);
    const usage = await runCli(["proxy-config", "bogus", NODE]);
    assert.equal(usage.code, 2);
  });

  it("says clearly when the control plane cannot be reached", async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const r = await runCli(["proxy-status", "--cp-address", `127.0.0.1:${closed}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /MIZZEN_ERR_UNREACHABLE: cannot reach the control plane at 127\.0\.0\.1:\d+/);
  });
});

describe("mizzen control-plane as a process", () => {
  it("exits 2 on usage errors", async () => {
    const noConfig = await runCli(["control-plane"]);
    assert.equal(noConfig.code, 2);
    assert.match(noConfig.stderr, /--config DIR is required/);
    const badPort = await runCli(["control-plane", "--config", ".", "--xds-port", "70000"]);
    assert.equal(badPort.code, 2);
    const unknown = await runCli(["control-plane", "--config", ".", "--bogus"]);
    assert.equal(unknown.code, 2);
  });

  it("starts from a directory, reports ready and stops on SIGTERM", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mizzen-cp-proc-"));
    await writeFile(join(dir, "svc.yaml"), echoService());
    const child = spawn(process.execPath, [BIN, "control-plane", "--config", dir, "--xds-port", "0", "--monitoring-port", "0", "--listen-address", "127.0.0.1"], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      let out = "";
      child.stdout.on("data", (c: Buffer) => (out += c.toString()));
      await waitFor("the ready line", () => /"event":"ready"/.test(out));
      const ready = JSON.parse(out.split("\n")[0] ?? "{}") as { monitoringPort: number };
      const res = await fetch(`http://127.0.0.1:${ready.monitoringPort}/ready`);
      assert.equal(res.status, 200);
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  });
});
