import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { closeServer, closed, dial, freePort, greeter, harness, listenerJson, readUntil, tcpProxy, type Harness } from "./proxy-listener-fixtures.js";

describe("tcp_proxy", () => {
  let h: Harness;
  let echo: Awaited<ReturnType<typeof greeter>>;
  before(async () => {
    h = harness();
    echo = await greeter("echo");
  });
  after(async () => {
    await h.close();
    await closeServer(echo.server, echo.sockets);
  });

  it("pipes bytes both ways and carries a half-close in each direction", async () => {
    h.addCluster("echo", [echo.port]);
    const l = await h.manager.apply(listenerJson("tcp", [{ filters: [tcpProxy("echo")] }]));
    const c = await dial(l.port);
    assert.equal(await readUntil(c, "echo\n"), "echo\n");
    c.write("ping");
    c.end(); // half-close: the echo server still answers, then ends its side too
    let rest = "";
    c.on("data", (b: Buffer) => { rest += b.toString(); });
    await new Promise<void>((r) => c.once("end", () => r()));
    assert.equal(rest, "ping");
    await closed(c);
    assert.equal(h.stats.counter("tcp.echo.downstream_cx_total") >= 1, true);
  });

  it("applies backpressure: a stalled upstream stops the proxy reading, and every byte arrives later", async () => {
    let upstream: Socket | undefined;
    let received = 0;
    const server = createServer((s) => {
      upstream = s;
      s.pause(); // read nothing until told
      s.on("data", (b: Buffer) => { received += b.length; });
      s.on("error", () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    h.addCluster("slow", [(server.address() as AddressInfo).port]);
    const l = await h.manager.apply(listenerJson("bp", [{ filters: [tcpProxy("slow")] }]));
    const c = await dial(l.port);
    const chunk = Buffer.alloc(64 * 1024, 7);
    const limit = 256 * 1024 * 1024;
    let written = 0;
    // Write until the pipeline stops draining (bounded by `limit`).
    while (written < limit) {
      written += chunk.length;
      if (!c.write(chunk)) {
        const drained = await new Promise<boolean>((r) => {
          const t = setTimeout(() => { c.removeListener("drain", onDrain); r(false); }, 500);
          const onDrain = (): void => { clearTimeout(t); r(true); };
          c.once("drain", onDrain);
        });
        if (!drained) break;
      }
    }
    assert.ok(written < limit, `the proxy kept reading ${written} bytes although the upstream read none`);
    assert.ok(upstream, "upstream connected");
    upstream.resume();
    c.end();
    await new Promise<void>((r) => upstream?.once("end", () => r()));
    assert.equal(received, written);
    c.destroy();
    await closeServer(server);
  });

  it("closes with UH when the cluster has no hosts, and with UF when connecting fails", async () => {
    h.addCluster("empty", []);
    const dead = await freePort();
    h.addCluster("dead", [dead]);
    const l = await h.manager.apply(listenerJson("fail", [
      { filter_chain_match: { source_ports: [] }, filters: [tcpProxy("empty")] },
    ]));
    const c1 = await dial(l.port);
    await closed(c1);
    const l2 = await h.manager.apply(listenerJson("fail2", [{ filters: [tcpProxy("dead")] }]));
    const c2 = await dial(l2.port);
    await closed(c2);
    assert.equal(h.stats.counter("cluster.dead.upstream_cx_connect_fail"), 1);
  });

  it("retries another host up to max_connect_attempts", async () => {
    const dead = await freePort();
    h.addCluster("mixed", [dead, echo.port]);
    const l = await h.manager.apply(listenerJson("retry", [{ filters: [tcpProxy("mixed", { max_connect_attempts: 2 })] }]));
    const c = await dial(l.port);
    assert.equal(await readUntil(c, "\n"), "echo\n");
    c.destroy();
  });

  it("rejects connections over the cluster's max_connections (UO)", async () => {
    h.addCluster("one", [echo.port], { circuit_breakers: { thresholds: [{ max_connections: 1 }] } });
    const l = await h.manager.apply(listenerJson("cb", [{ filters: [tcpProxy("one")] }]));
    const a = await dial(l.port);
    assert.equal(await readUntil(a, "\n"), "echo\n");
    const b = await dial(l.port);
    await closed(b);
    assert.equal(h.stats.counter("cluster.one.upstream_cx_overflow"), 1);
    a.destroy();
  });

  it("splits connections over weighted_clusters", async () => {
    const other = await greeter("other");
    h.addCluster("w1", [echo.port]);
    h.addCluster("w2", [other.port]);
    const l = await h.manager.apply(listenerJson("weighted", [{ filters: [tcpProxy("", { stat_prefix: "weighted", cluster: undefined, weighted_clusters: { clusters: [{ name: "w1", weight: 1 }, { name: "w2", weight: 1 }] } })] }]));
    const seen = new Set<string>();
    for (let i = 0; i < 60 && seen.size < 2; i++) {
      const c = await dial(l.port);
      seen.add(await readUntil(c, "\n"));
      c.destroy();
    }
    assert.deepEqual([...seen].sort(), ["echo\n", "other\n"]);
    await closeServer(other.server, other.sockets);
  });

  it("closes both sides after idle_timeout without traffic", async () => {
    h.addCluster("idle", [echo.port]);
    const l = await h.manager.apply(listenerJson("idle", [{ filters: [tcpProxy("idle", { idle_timeout: "0.2s" })] }]));
    const c = await dial(l.port);
    assert.equal(await readUntil(c, "\n"), "echo\n");
    await closed(c);
  });

  it("rejects an invalid tcp_proxy config naming the field", async () => {
    await assert.rejects(h.manager.apply(listenerJson("bad", [{ filters: [tcpProxy("x", { idle_timeout: "soon" })] }])), /idle_timeout/);
    await assert.rejects(h.manager.apply(listenerJson("bad", [{ filters: [tcpProxy("", { stat_prefix: "s", cluster: undefined })] }])), /needs cluster or weighted_clusters/);
  });
});
