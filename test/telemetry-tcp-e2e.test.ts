// TCP metadata exchange over real processes: `mizzen control-plane` and two `mizzen proxy`
// sidecars (interception NONE, own loopback addresses) with a TCP echo app behind the server's.
// The generated chains carry istio.metadata_exchange and the inbound mTLS chain offers ALPN
// istio-peer-exchange, so both reporters' istio_tcp_* name both workloads.
import assert from "node:assert/strict";
import { connect, createServer, type Server } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  freePortOn, listenOn, registerPod, startControlPlaneProcess, startSidecar, waitFor,
  type ControlPlaneProcess, type PodSpec, type SidecarProcess,
} from "./security-e2e-harness.js";

const WEB_IP = "127.0.72.2";
const DB_IP = "127.0.72.3";

function series(text: string, metric: string): string[] {
  return text.split("\n").filter((l) => l.startsWith(`${metric}{`));
}

function label(line: string, name: string): string | undefined {
  return new RegExp(`[{,]${name}="([^"]*)"`).exec(line)?.[1];
}

function echoOnce(port: number, msg: string): Promise<string> {
  return new Promise((resolve) => {
    const c = connect(port, WEB_IP, () => c.end(msg));
    let got = "";
    c.setTimeout(3000, () => c.destroy());
    c.on("data", (d: Buffer) => { got += d.toString(); });
    c.on("error", () => undefined);
    c.on("close", () => resolve(got));
  });
}

describe("TCP metadata exchange between real sidecars", () => {
  let cp: ControlPlaneProcess;
  let web: SidecarProcess;
  let db: SidecarProcess;
  let app: Server;
  let dbPort = 0;
  let metricsPort = 0;

  before(async () => {
    dbPort = await freePortOn(["127.0.0.1", DB_IP, WEB_IP]);
    metricsPort = await freePortOn([WEB_IP, DB_IP]);
    app = createServer((s) => { s.on("error", () => s.destroy()); s.pipe(s); });
    await listenOn(app, dbPort, "127.0.0.1");
    cp = await startControlPlaneProcess({
      "services.yaml": `apiVersion: v1
kind: Service
metadata: { name: db, namespace: default }
spec:
  selector: { app: db }
  ports: [{ name: tcp, port: ${dbPort}, targetPort: tcp }]
`,
    });
    const webPod: PodSpec = { name: "web-0", ip: WEB_IP, serviceAccount: "web-sa", labels: { app: "web", version: "v1" }, ports: {} };
    const dbPod: PodSpec = { name: "db-0", ip: DB_IP, serviceAccount: "db-sa", labels: { app: "db", version: "v3" }, ports: { tcp: dbPort } };
    for (const p of [webPod, dbPod]) await registerPod(cp, p);
    const metrics = ["--metrics-port", String(metricsPort)];
    db = await startSidecar(cp, dbPod, { extraArgs: metrics });
    web = await startSidecar(cp, webPod, { extraArgs: metrics });
  });

  after(async () => {
    await web?.stop();
    await db?.stop();
    app?.close();
    await cp?.stop();
  });

  it("both reporters' istio_tcp_* carry both workloads; the app sees only its bytes", async () => {
    let echoed = "";
    await waitFor("bytes echoed through both sidecars", async () => (echoed = await echoOnce(dbPort, "ping-e2e")) === "ping-e2e", 20_000)
      .catch((e: unknown) => { throw new Error(`${String(e)}: last "${echoed}"; web: ${web.log().slice(-2000)}; db: ${db.log().slice(-2000)}`); });
    const scrape = async (ip: string): Promise<string> => (await fetch(`http://${ip}:${metricsPort}/stats/prometheus`)).text();
    let src: string[] = [];
    let dst: string[] = [];
    await waitFor("TCP connections counted with the peer's workload on both sides", async () => {
      src = series(await scrape(WEB_IP), "istio_tcp_received_bytes_total").filter((l) => label(l, "reporter") === "source" && label(l, "destination_workload") === "db-0");
      dst = series(await scrape(DB_IP), "istio_tcp_received_bytes_total").filter((l) => label(l, "reporter") === "destination" && label(l, "source_workload") === "web-0");
      return src.length > 0 && dst.length > 0;
    }, 10_000).catch((e: unknown) => { throw new Error(`${String(e)}: source side ${JSON.stringify(src)}, destination side ${JSON.stringify(dst)}`); });
    for (const l of [...src, ...dst]) {
      assert.equal(label(l, "source_workload"), "web-0", l);
      assert.equal(label(l, "source_app"), "web", l);
      assert.equal(label(l, "destination_workload"), "db-0", l);
      assert.equal(label(l, "destination_version"), "v3", l);
      assert.equal(label(l, "source_principal"), "spiffe://cluster.local/ns/default/sa/web-sa", l);
    }
    assert.equal(label(dst[0] as string, "connection_security_policy"), "mutual_tls");
    const opened = series(await scrape(DB_IP), "istio_tcp_connections_opened_total").filter((l) => label(l, "source_workload") === "web-0");
    assert.ok(opened.length > 0, "opened counted with the peer's labels");
  });
});
