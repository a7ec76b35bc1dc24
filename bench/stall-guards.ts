// Stalls a throughput table misses, each against a baseline in the same run:
// - HTTP/2 clients through codec AUTO (the mesh's default), 32 streams on one connection, against
//   nginx serving the same clients (h2c) in front of the same upstream. With Nagle on, node:http2's
//   frames waited for delayed ACKs: about 650 req/s instead of about 5k.
// - A POST whose body follows its head 5 ms later, through a cluster with upstream TLS (the mesh's
//   mTLS hop), against the same exchange made directly over TLS. With Nagle on the upstream
//   socket, the body waited for the upstream's delayed ACK: p50 44 ms instead of ~6.
//   node dist/bench/stall-guards.js [--quick]      or   runStallGuards(quick)
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { connect as h2connect } from "node:http2";
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeCa, makeLeaf } from "../src/proxy/tls/test-certs.js";
import { benchBootstrap } from "./bootstrap.js";
import { nginxConfig } from "./nginx.js";
import { freePort, waitForPort } from "./ports.js";
import { median } from "./median.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const MIZZEN_BIN = join(HERE, "..", "..", "bin", "mizzen.js");
const UPSTREAM = join(HERE, "upstream-server.js");
const STREAMS = 32;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** GETs over one h2c connection, STREAMS at a time, for `seconds`: completed requests per second. */
async function h2cRate(port: number, seconds: number): Promise<number> {
  const session = h2connect(`http://127.0.0.1:${port}`);
  session.on("error", () => undefined);
  const until = performance.now() + seconds * 1000;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (performance.now() < until && !session.destroyed) {
      await new Promise<void>((resolve) => {
        const r = session.request({ ":path": "/" });
        r.on("data", () => undefined);
        r.on("close", () => { done++; resolve(); });
        r.on("error", () => resolve());
        r.end();
      });
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: STREAMS }, lane));
  const rate = done / ((performance.now() - t0) / 1000);
  session.close();
  return rate;
}

/** POSTs on one connection, each body 5 ms after its head: median latency in ms. */
async function splitPostP50(socket: Socket, requests: number): Promise<number> {
  const latencies: number[] = [];
  let got = "";
  socket.on("data", (d: Buffer) => { got += d.toString("latin1"); });
  for (let i = 0; i < requests; i++) {
    got = "";
    const t0 = performance.now();
    socket.write("POST /post HTTP/1.1\r\nhost: bench\r\ncontent-length: 5\r\n\r\n");
    await sleep(5);
    socket.write("hello");
    for (let w = 0; w < 2000 && !got.includes("got 5"); w++) await sleep(1);
    latencies.push(performance.now() - t0);
  }
  socket.destroy();
  return median(latencies);
}

function start(cmd: string, args: string[], children: ChildProcess[]): void {
  children.push(spawn(cmd, args, { stdio: "ignore" }));
}

export async function runStallGuards(quick: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "mizzen-stall-"));
  const children: ChildProcess[] = [];
  try {
    // HTTP/2 clients: nginx (h2c) and mizzen (codec AUTO) in front of the 1 KiB upstream.
    const [up, ng, mz] = [await freePort(), await freePort(), await freePort()];
    start(process.execPath, [UPSTREAM, String(up)], children);
    await waitForPort(up);
    const conf = join(dir, "nginx.conf");
    writeFileSync(conf, nginxConfig(dir, ng, up).replace("reuseport;", "reuseport http2;"));
    start("nginx", ["-c", conf, "-p", dir], children);
    const boot = join(dir, "h2c.json");
    writeFileSync(boot, JSON.stringify(benchBootstrap(mz, up)));
    start(process.execPath, [MIZZEN_BIN, "proxy", "--log-level", "warn", "--no-metrics", "--bootstrap", boot], children);
    await waitForPort(ng);
    await waitForPort(mz);
    const seconds = quick ? 1 : 2;
    const ratios: number[] = [];
    let last = { nginx: 0, mizzen: 0 };
    for (let round = 0; round < (quick ? 1 : 3); round++) {
      const nginx = await h2cRate(ng, seconds);
      const mizzen = await h2cRate(mz, seconds);
      last = { nginx, mizzen };
      ratios.push(mizzen / nginx);
    }
    process.stdout.write(`h2c clients, ${STREAMS} streams on one connection: mizzen ${last.mizzen.toFixed(0)} req/s, nginx ${last.nginx.toFixed(0)} req/s (last round); ÷ nginx by round ${ratios.map((r) => r.toFixed(2)).join(" ")}, median ${median(ratios).toFixed(2)}\n`);

    // A POST split in two writes, through upstream TLS.
    const ca = await makeCa();
    const leaf = await makeLeaf(ca, { cn: "upstream", dns: ["upstream.bench"] });
    writeFileSync(join(dir, "ca.pem"), ca.certPem);
    const tlsUp = createHttpsServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
      let n = 0;
      req.on("data", (d: Buffer) => { n += d.length; });
      req.on("end", () => res.end(`got ${n}`));
    });
    await new Promise<void>((r) => tlsUp.listen(0, "127.0.0.1", () => r()));
    const tlsPort = (tlsUp.address() as { port: number }).port;
    const mt = await freePort();
    const tb = benchBootstrap(mt, tlsPort) as { static_resources: { clusters: Record<string, unknown>[] } };
    (tb.static_resources.clusters[0] as Record<string, unknown>)["transport_socket"] = {
      name: "envoy.transport_sockets.tls",
      typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
        sni: "upstream.bench",
        common_tls_context: { validation_context: { trusted_ca: { filename: join(dir, "ca.pem") } } },
      },
    };
    const tlsBoot = join(dir, "tls-upstream.json");
    writeFileSync(tlsBoot, JSON.stringify(tb));
    start(process.execPath, [MIZZEN_BIN, "proxy", "--log-level", "warn", "--no-metrics", "--bootstrap", tlsBoot], children);
    await waitForPort(mt);
    const requests = quick ? 10 : 30;
    const direct = tlsConnect({ host: "127.0.0.1", port: tlsPort, ca: ca.certPem, servername: "upstream.bench" });
    direct.setNoDelay(true);
    await new Promise((r) => direct.once("secureConnect", r));
    const directP50 = await splitPostP50(direct, requests);
    const viaProxy = netConnect({ host: "127.0.0.1", port: mt, noDelay: true });
    await new Promise((r) => viaProxy.once("connect", r));
    const proxyP50 = await splitPostP50(viaProxy, requests);
    await new Promise((r) => tlsUp.close(r));
    process.stdout.write(`POST with its body 5 ms after its head, upstream TLS: p50 mizzen ${proxyP50.toFixed(1)} ms, direct ${directP50.toFixed(1)} ms (a Nagle stall adds ~40 ms)\n`);
  } finally {
    // nginx's master stops its worker on SIGTERM; the others may just die.
    for (const c of children) c.kill(c.spawnfile === "nginx" ? "SIGTERM" : "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runStallGuards(process.argv.includes("--quick")).then(() => process.exit(0), (e: unknown) => {
    process.stderr.write(`${String(e)}\n`);
    process.exit(1);
  });
}
