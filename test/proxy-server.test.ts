// Runs the real `bin/mizzen.js proxy --bootstrap samples/proxy/…` as a child process (ports
// rewritten to free ones) and sends real traffic through it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { connect as http2Connect } from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { closeServer, closed, dial, freePort, greeter, readUntil } from "./proxy-listener-fixtures.js";

type Json = Record<string, unknown>;
const BIN = new URL("../../bin/mizzen.js", import.meta.url).pathname;
const SAMPLES = new URL("../../samples/proxy/", import.meta.url).pathname;

interface Proxy {
  child: ChildProcess;
  adminPort: number;
  listenerPort: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Rewrites the sample's listener port and cluster endpoint ports, returns the bootstrap path. */
async function preparedBootstrap(dir: string, sample: string, endpointPorts: number[], edit?: (b: Json) => void): Promise<{ path: string; listenerPort: number }> {
  const b = parse(readFileSync(join(SAMPLES, sample), "utf8")) as Json;
  edit?.(b);
  const st = b.static_resources as { listeners: Json[]; clusters: Json[] };
  const listenerPort = await freePort();
  ((st.listeners[0] as { address: { socket_address: Json } }).address.socket_address).port_value = listenerPort;
  let i = 0;
  for (const c of st.clusters) {
    for (const le of (c.load_assignment as { endpoints: { lb_endpoints: { endpoint: { address: { socket_address: Json } } }[] }[] }).endpoints) {
      for (const lb of le.lb_endpoints) lb.endpoint.address.socket_address.port_value = endpointPorts[i++ % endpointPorts.length];
    }
  }
  const path = join(dir, sample.replace(/\.yaml$/, ".json"));
  writeFileSync(path, JSON.stringify(b));
  return { path, listenerPort };
}

function startProxy(bootstrap: string, listenerPort: number, extra: string[] = []): Promise<Proxy> {
  const child = spawn(process.execPath, [BIN, "proxy", "--bootstrap", bootstrap, "--admin-port", "0", "--drain-time-s", "1", ...extra], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout?.on("data", (b: Buffer) => { out += b.toString(); });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return new Promise((resolve, reject) => {
    child.stderr?.on("data", (b: Buffer) => {
      err += b.toString();
      const m = /admin on 127\.0\.0\.1:(\d+)/.exec(err);
      if (m) resolve({ child, adminPort: Number(m[1]), listenerPort, stdout: () => out, stderr: () => err, exited });
    });
    void exited.then((code) => reject(new Error(`proxy exited ${code}: ${err}`)));
  });
}

/** Kills the proxy, closes the test's upstream servers and removes the bootstrap directory. */
async function stopAll(p: Proxy | undefined, servers: Server[], dir: string): Promise<void> {
  if (p !== undefined && p.child.exitCode === null) p.child.kill("SIGKILL");
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  rmSync(dir, { recursive: true, force: true });
}

function http(port: number, path: string, method = "GET"): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, agent: false }, (res) => {
      let body = "";
      res.on("data", (b: Buffer) => { body += b.toString(); });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("mizzen proxy (tcp-proxy sample)", () => {
  const dir = mkdtempSync(join(tmpdir(), "mizzen-proxy-"));
  let a: Awaited<ReturnType<typeof greeter>>;
  let b: Awaited<ReturnType<typeof greeter>>;
  let p: Proxy;
  before(async () => {
    a = await greeter("one");
    b = await greeter("two");
    const { path, listenerPort } = await preparedBootstrap(dir, "tcp-proxy.yaml", [a.port, b.port]);
    p = await startProxy(path, listenerPort);
  });
  after(async () => {
    if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await closeServer(a.server, a.sockets);
    await closeServer(b.server, b.sockets);
    rmSync(dir, { recursive: true, force: true });
  });

  it("round-robins TCP connections over the cluster's two endpoints", async () => {
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await dial(p.listenerPort);
      const greeting = await readUntil(c, "\n");
      c.write(`hello ${i}`);
      assert.equal(await readUntil(c, `hello ${i}`), `hello ${i}`);
      seen.push(greeting.trim());
      c.destroy();
    }
    assert.deepEqual([...new Set(seen)].sort(), ["one", "two"]);
  });

  it("serves the admin API", async () => {
    const ready = await http(p.adminPort, "/ready");
    assert.deepEqual([ready.status, ready.body], [200, "LIVE\n"]);
    const info = JSON.parse((await http(p.adminPort, "/server_info")).body) as Json;
    assert.equal(info.state, "LIVE");
    assert.equal((info.node as Json).id, "tcp-proxy~127.0.0.1~sample.default~default.svc.cluster.local");
    const dump = JSON.parse((await http(p.adminPort, "/config_dump")).body) as { configs: Json[] };
    assert.deepEqual(dump.configs.map((c) => String(c["@type"]).split(".").pop()), ["BootstrapConfigDump", "ClustersConfigDump", "ListenersConfigDump", "RoutesConfigDump", "SecretsConfigDump"]);
    const listeners = dump.configs[2] as { static_listeners: { listener: Json }[] };
    assert.equal(listeners.static_listeners[0]?.listener.name, "tcp_10000");
    const clusters = (await http(p.adminPort, "/clusters")).body;
    assert.match(clusters, new RegExp(`^backend::127\\.0\\.0\\.1:${a.port}::health_flags::healthy$`, "m"));
    const cj = JSON.parse((await http(p.adminPort, "/clusters?format=json")).body) as { cluster_statuses: { name: string; host_statuses: unknown[] }[] };
    assert.equal(cj.cluster_statuses.find((c) => c.name === "backend")?.host_statuses.length, 2);
    assert.match((await http(p.adminPort, "/listeners")).body, new RegExp(`^tcp_10000::127\\.0\\.0\\.1:${p.listenerPort}$`, "m"));
    assert.match((await http(p.adminPort, "/stats")).body, /^tcp\.backend\.downstream_cx_total: [1-9]\d*$/m);
    assert.match((await http(p.adminPort, "/stats/prometheus")).body, /^# TYPE envoy_tcp_backend_downstream_cx_total counter$/m);
    assert.match((await http(p.adminPort, "/logging")).body, /mizzen: info/);
    assert.match((await http(p.adminPort, "/logging?level=debug", "POST")).body, /mizzen: debug/);
    assert.equal((await http(p.adminPort, "/logging?level=debug")).status, 405);
    assert.equal((await http(p.adminPort, "/quitquitquit")).status, 405);
    assert.equal((await http(p.adminPort, "/nope")).status, 404);
    assert.match((await http(p.adminPort, "/help")).body, /\/config_dump/);
  });

  it("writes a TCP access log line per connection to stdout", () => {
    assert.match(p.stdout(), /"- - -" 0 - \d+ \d+ \d+ - "-" "-" "-" "-" "127\.0\.0\.1:\d+" backend/);
  });

  it("drains on SIGTERM: open connections keep working, new ones are refused, then it exits 0", async () => {
    const c = await dial(p.listenerPort);
    await readUntil(c, "\n");
    p.child.kill("SIGTERM");
    // The listener stops accepting first.
    for (let i = 0; i < 100; i++) {
      try {
        const probe = await dial(p.listenerPort);
        probe.destroy();
        await new Promise((r) => setTimeout(r, 20));
      } catch {
        break;
      }
    }
    await assert.rejects(dial(p.listenerPort), /ECONNREFUSED/);
    c.write("during drain");
    assert.equal(await readUntil(c, "during drain"), "during drain");
    await closed(c); // closed at the end of --drain-time-s 1
    assert.equal(await p.exited, 0);
  });
});

describe("mizzen proxy with a bootstrap stats_matcher (Istio's minimal stats)", () => {
  const dir = mkdtempSync(join(tmpdir(), "mizzen-proxy-stats-"));
  let a: Awaited<ReturnType<typeof greeter>>;
  let p: Proxy;
  before(async () => {
    a = await greeter("one");
    const { path, listenerPort } = await preparedBootstrap(dir, "tcp-proxy.yaml", [a.port], (b) => {
      b["stats_config"] = { stats_matcher: { inclusion_list: { patterns: [{ prefix: "server." }, { prefix: "listener_manager" }, { suffix: "downstream_cx_total" }] } } };
    });
    p = await startProxy(path, listenerPort);
  });
  after(async () => {
    if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await closeServer(a.server, a.sockets);
    rmSync(dir, { recursive: true, force: true });
  });

  it("/stats and /stats/prometheus keep only the stats the inclusion list names", async () => {
    const c = await dial(p.listenerPort);
    await readUntil(c, "\n");
    c.destroy();
    const stats = (await http(p.adminPort, "/stats")).body;
    assert.match(stats, /^tcp\.backend\.downstream_cx_total: [1-9]\d*$/m, "a suffix match");
    assert.match(stats, /^server\.live: 1$/m, "a prefix match");
    assert.doesNotMatch(stats, /^cluster\.backend\./m, "cluster stats are not in the list");
    const prom = (await http(p.adminPort, "/stats/prometheus")).body;
    assert.match(prom, /^envoy_server_live 1$/m);
    assert.doesNotMatch(prom, /envoy_cluster_/);
  });
});

describe("mizzen proxy refuses a bad stats_matcher", () => {
  it("exits 1 naming the field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mizzen-proxy-stats-bad-"));
    try {
      const { path, listenerPort } = await preparedBootstrap(dir, "tcp-proxy.yaml", [1], (b) => {
        b["stats_config"] = { stats_matcher: { inclusion_list: { patterns: [{ safe_regex: { regex: "(unclosed" } }] } } };
      });
      const err = await startProxy(path, listenerPort).then(
        (px) => { px.child.kill("SIGKILL"); return "started"; },
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      );
      assert.match(err, /proxy exited 1/);
      assert.match(err, /stats_config\.stats_matcher\.inclusion_list\.patterns\[0\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("mizzen proxy (front-proxy sample)", () => {
  const dir = mkdtempSync(join(tmpdir(), "mizzen-front-"));
  const servers: Server[] = [];
  let p: Proxy;
  before(async () => {
    const ports: number[] = [];
    for (const name of ["service1", "service2"]) {
      const s = createServer((req, res) => res.end(`${name} got ${req.url}`));
      await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
      servers.push(s);
      ports.push((s.address() as AddressInfo).port);
    }
    const { path, listenerPort } = await preparedBootstrap(dir, "front-proxy.yaml", ports);
    p = await startProxy(path, listenerPort);
  });
  after(() => stopAll(p, servers, dir));

  it("routes HTTP by path prefix to two static clusters", async () => {
    const one = await http(p.listenerPort, "/service/1/hello");
    assert.deepEqual([one.status, one.body], [200, "service1 got /service/1/hello"]);
    const two = await http(p.listenerPort, "/service/2");
    assert.deepEqual([two.status, two.body], [200, "service2 got /service/2"]);
    const none = await http(p.listenerPort, "/other");
    assert.equal(none.status, 404);
  });

  it("/drain_listeners (POST only) stops accepting new connections", async () => {
    assert.equal((await http(p.adminPort, "/drain_listeners")).status, 405);
    assert.equal((await http(p.adminPort, "/drain_listeners", "POST")).status, 200);
    await assert.rejects(dial(p.listenerPort), /ECONNREFUSED/);
    assert.equal((await http(p.adminPort, "/ready")).status, 200, "draining listeners does not make the server unready");
  });

  it("/quitquitquit (POST) ends the process with 0", async () => {
    assert.equal((await http(p.adminPort, "/quitquitquit", "POST")).status, 200);
    assert.equal(await p.exited, 0);
  });
});

describe("mizzen proxy closes idle upstream connections (the cluster's idle_timeout)", () => {
  // service1's cluster has Istio's connectionPool.http.idleTimeout as Envoy receives it;
  // service2's keeps Envoy's default (one hour).
  const IDLE_MS = 300;
  const dir = mkdtempSync(join(tmpdir(), "mizzen-upstream-idle-"));
  const servers: Server[] = [];
  /** Per upstream: its connections' open time and, once the proxy ends them, the time of the FIN. */
  const conns: { opened: number; ended?: number }[][] = [[], []];
  let p: Proxy;
  before(async () => {
    const ports: number[] = [];
    for (const [i, name] of ["service1", "service2"].entries()) {
      const s = createServer((req, res) => res.end(`${name} got ${req.url}`));
      s.keepAliveTimeout = 60_000; // the upstream never closes first
      s.on("connection", (sock) => {
        const c: { opened: number; ended?: number } = { opened: Date.now() };
        (conns[i] as { opened: number; ended?: number }[]).push(c);
        sock.on("end", () => { c.ended = Date.now(); });
      });
      await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
      servers.push(s);
      ports.push((s.address() as AddressInfo).port);
    }
    const { path, listenerPort } = await preparedBootstrap(dir, "front-proxy.yaml", ports, (b) => {
      const clusters = (b.static_resources as { clusters: Json[] }).clusters;
      (clusters[0] as Json).typed_extension_protocol_options = {
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
          "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
          explicit_http_config: { http_protocol_options: {} },
          common_http_protocol_options: { idle_timeout: `${IDLE_MS / 1000}s` },
        },
      };
    });
    p = await startProxy(path, listenerPort);
  });
  after(() => stopAll(p, servers, dir));

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  async function until(cond: () => boolean, ms: number): Promise<void> {
    for (let waited = 0; !cond() && waited < ms; waited += 20) await sleep(20);
  }

  it("keeps reusing a connection while requests come sooner than the idle timeout", async () => {
    for (let i = 0; i < 5; i++) {
      assert.equal((await http(p.listenerPort, "/service/1/again")).status, 200);
      await sleep(IDLE_MS / 2);
    }
    assert.equal(conns[0]?.length, 1, "one upstream connection for requests 150 ms apart, over 750 ms");
  });

  it("closes it once no request has used it for the idle timeout", async () => {
    const done = Date.now();
    assert.equal((await http(p.listenerPort, "/service/1/last")).status, 200);
    const c = conns[0]?.at(-1) as { opened: number; ended?: number };
    await until(() => c.ended !== undefined, 5_000);
    assert.ok(c.ended !== undefined, "the proxy closed the idle upstream connection");
    const idle = c.ended - done;
    assert.ok(idle >= IDLE_MS - 50 && idle < IDLE_MS + 1_500, `closed after ${idle} ms idle (timeout ${IDLE_MS} ms)`);
    assert.equal((await http(p.listenerPort, "/service/1/after")).status, 200, "the next request opens a new connection");
    assert.equal(conns[0]?.length, 2);
  });

  it("closes the connections an HTTP/2 client's requests use to an HTTP/1.1 cluster the same way", async () => {
    const before = conns[0]?.length ?? 0;
    const session = http2Connect(`http://127.0.0.1:${p.listenerPort}`);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = session.request({ ":path": "/service/1/h2" });
        req.on("response", (h) => { req.resume(); req.on("end", () => resolve(Number(h[":status"]))); });
        req.on("error", reject);
        req.end();
      });
      assert.equal(status, 200);
      const done = Date.now();
      assert.equal(conns[0]?.length, before + 1, "one new upstream connection");
      const c = conns[0]?.at(-1) as { opened: number; ended?: number };
      await until(() => c.ended !== undefined, 5_000);
      assert.ok(c.ended !== undefined, "the proxy closed the idle upstream connection");
      const idle = c.ended - done;
      assert.ok(idle >= IDLE_MS - 50 && idle < IDLE_MS + 1_500, `closed after ${idle} ms idle (timeout ${IDLE_MS} ms)`);
    } finally {
      session.close();
    }
  });

  it("leaves a cluster without idle_timeout on Envoy's one hour", async () => {
    assert.equal((await http(p.listenerPort, "/service/2")).status, 200);
    await sleep(IDLE_MS * 3);
    assert.equal(conns[1]?.length, 1);
    assert.equal(conns[1]?.[0]?.ended, undefined, "still open after three times service1's timeout");
  });
});

describe("mizzen proxy startup errors", () => {
  const run = (args: string[]): Promise<{ code: number | null; err: string }> => new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, "proxy", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr?.on("data", (b: Buffer) => { err += b.toString(); });
    child.once("exit", (code) => resolve({ code, err }));
  });

  it("exits 2 on unknown flags and 1 on a bad bootstrap, naming file and field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mizzen-bad-"));
    try {
      assert.equal((await run(["--bootstrap", "x.yaml", "--frobnicate"])).code, 2);
      assert.equal((await run([])).code, 2);
      const bad = join(dir, "bad.yaml");
      writeFileSync(bad, "static_resources:\n  listeners:\n  - name: l\n    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }\n    filter_chains:\n    - filters:\n      - name: t\n        typed_config:\n          \"@type\": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy\n          stat_prefix: s\n          cluster: c\n          idle_timeout: 5x\n");
      const r = await run(["--bootstrap", bad, "--admin-port", "0"]);
      assert.equal(r.code, 1);
      assert.match(r.err, /bad\.yaml/);
      assert.match(r.err, /idle_timeout/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
