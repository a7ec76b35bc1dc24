// End to end: a cluster over real TCP servers on 127.0.0.1; a small client reports each attempt's
// outcome, and the failing host is ejected by outlier detection, then returns after its time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect, type Server, type AddressInfo } from "node:net";
import { ClusterManager } from "../src/proxy/upstream/index.js";
import type { Cluster, UpstreamHost, UpstreamOutcome } from "../src/proxy/contracts.js";

function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer(handler);
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => resolve(s));
  });
}

const port = (s: Server) => (s.address() as AddressInfo).port;

/** One request: "PING\n" → a status line "200" / "503"; socket errors become local-origin outcomes. */
function attempt(host: UpstreamHost, timeoutMs: number): Promise<UpstreamOutcome> {
  return new Promise((resolve) => {
    const sock = connect({ host: host.address, port: host.port });
    let connected = false;
    let data = "";
    const done = (o: UpstreamOutcome) => {
      sock.destroy();
      resolve(o);
    };
    sock.setTimeout(timeoutMs, () => done({ kind: "timeout" }));
    sock.on("connect", () => {
      connected = true;
      sock.write("PING\n");
    });
    sock.on("data", (d) => {
      data += d.toString();
      if (data.includes("\n")) done({ kind: "response", status: Number(data.trim()) });
    });
    sock.on("error", () => done(connected ? { kind: "reset" } : { kind: "connect-failure" }));
    sock.on("close", () => done(connected ? { kind: "reset" } : { kind: "connect-failure" }));
  });
}

async function send(cluster: Cluster): Promise<UpstreamHost | null> {
  const host = cluster.pickHost(undefined);
  if (!host || !cluster.tryAcquire("requests")) return host;
  host.activeRequests++;
  try {
    cluster.report(host, await attempt(host, 2000));
  } finally {
    host.activeRequests--;
    cluster.release("requests");
  }
  return host;
}

test("a host answering 503 and a host refusing connections are ejected; they return after base_ejection_time", async () => {
  const ok = await listen((s) => s.on("data", () => s.end("200\n")));
  const bad = await listen((s) => s.on("data", () => s.end("503\n")));
  const closed = await listen(() => undefined);
  const closedPort = port(closed);
  await new Promise<void>((r) => closed.close(() => r())); // nothing listens there any more
  const clock = { t: 0, now() { return this.t; } };
  const m = new ClusterManager({ clock, timers: false });
  try {
    const ep = (p: number) => ({ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: p } } } });
    const cluster = m.set({
      name: "outbound|9080|v1|reviews.default.svc.cluster.local", type: "STATIC", connect_timeout: "1s",
      load_assignment: { endpoints: [{ lb_endpoints: [ep(port(ok)), ep(port(bad)), ep(closedPort)] }] },
      outlier_detection: { consecutive_5xx: 3, interval: "10s", base_ejection_time: "30s", max_ejection_percent: 100 },
      common_lb_config: { healthy_panic_threshold: { value: 0 } },
    });
    for (let i = 0; i < 60 && cluster.stats()["outlier_detection.ejections_active"] !== 2; i++) await send(cluster);
    const snap = cluster.snapshot();
    const byPort = new Map(snap.hosts.map((h) => [h.port, h]));
    assert.equal(byPort.get(port(ok))?.ejected, false);
    assert.equal(byPort.get(port(bad))?.ejected, true);
    assert.equal(byPort.get(closedPort)?.ejected, true);
    assert.equal(byPort.get(closedPort)?.healthFlags, "/failed_outlier_check");
    assert.ok((byPort.get(port(ok))?.rq_success ?? 0) > 0);
    assert.equal(byPort.get(port(bad))?.rq_error, 3);
    for (let i = 0; i < 10; i++) assert.equal((await send(cluster))?.port, port(ok));

    // the healthy host fails too: now nothing is left (panic disabled) and the reason is given
    await new Promise<void>((r) => ok.close(() => r()));
    for (let i = 0; i < 10 && cluster.pickHost(undefined) !== null; i++) await send(cluster);
    assert.equal(cluster.pickHost(undefined), null);
    assert.equal(cluster.describeNoHealthyUpstream(),
      "cluster outbound|9080|v1|reviews.default.svc.cluster.local (3 endpoints, 3 ejected by outlier detection)");

    clock.t += 30_000;
    cluster.outlier?.tick();
    assert.equal(cluster.stats()["outlier_detection.ejections_active"], 0, "all return after 30 s");
    assert.ok(cluster.pickHost(undefined));
  } finally {
    m.close();
    for (const s of [ok, bad]) if (s.listening) await new Promise<void>((r) => s.close(() => r()));
  }
});
