// Telemetry end to end over real processes: `mizzen control-plane` (MeshConfig with access logs
// to stdout, 100 % sampling and a zipkin provider) and two `mizzen proxy` sidecars in
// interception NONE on their own loopback addresses, with real upstream apps. Checks Istio's
// metrics on each pod's merged endpoint (both reporters, both sides' workload labels through
// metadata exchange), access log lines in the proxies' stdout, and one trace with the client's
// and the server's spans (parent/child) at a Zipkin v2 collector run by this test.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { connect, createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  echoApp, freePortOn, listenOn, registerPod, startControlPlaneProcess, startSidecar, viaSidecar, waitFor,
  type ControlPlaneProcess, type PodSpec, type SidecarProcess,
} from "./security-e2e-harness.js";

const WEB_IP = "127.0.71.2";
const API_IP = "127.0.71.3";

interface ZipkinSpan { traceId: string; id: string; parentId?: string; kind?: string; name?: string; localEndpoint?: { serviceName?: string }; tags?: Record<string, string> }

/** A Zipkin v2 collector: POST /api/v2/spans with a JSON list of spans. */
async function zipkinCollector(): Promise<{ server: Server; port: number; spans: ZipkinSpan[] }> {
  const spans: ZipkinSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/api/v2/spans") {
        try {
          spans.push(...(JSON.parse(Buffer.concat(chunks).toString("utf8")) as ZipkinSpan[]));
          res.writeHead(202).end();
        } catch {
          res.writeHead(400).end();
        }
      } else res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, port: (server.address() as { port: number }).port, spans };
}

function meshConfig(zipkinPort: number): string {
  return `accessLogFile: /dev/stdout
enableTracing: true
defaultConfig:
  tracing:
    sampling: 100
extensionProviders:
- name: zipkin
  zipkin: { service: 127.0.0.1, port: ${zipkinPort} }
defaultProviders:
  tracing: [zipkin]
`;
}

/** Prometheus text lines of one metric, e.g. istio_requests_total{…} 3. */
function series(text: string, metric: string): string[] {
  return text.split("\n").filter((l) => l.startsWith(`${metric}{`));
}

function label(line: string, name: string): string | undefined {
  return new RegExp(`[{,]${name}="([^"]*)"`).exec(line)?.[1];
}

describe("telemetry through real sidecars", () => {
  let cp: ControlPlaneProcess;
  let web: SidecarProcess;
  let api: SidecarProcess;
  let app: Server;
  let collector: Awaited<ReturnType<typeof zipkinCollector>>;
  let tmp = "";
  let apiPort = 0;
  let dbPort = 0;
  let tcpApp: TcpServer;
  let proxyPort = 0;
  let metricsPort = 0;

  before(async () => {
    apiPort = await freePortOn(["127.0.0.1", API_IP]);
    proxyPort = await freePortOn([WEB_IP]);
    metricsPort = await freePortOn([WEB_IP, API_IP]);
    dbPort = await freePortOn(["127.0.0.1", API_IP, WEB_IP]);
    app = await echoApp(apiPort, "api");
    tcpApp = createTcpServer((s) => s.pipe(s));
    await listenOn(tcpApp, dbPort, "127.0.0.1");
    collector = await zipkinCollector();
    tmp = await mkdtemp(join(tmpdir(), "mizzen-tel-e2e-"));
    const meshFile = join(tmp, "mesh.yaml");
    await writeFile(meshFile, meshConfig(collector.port));
    cp = await startControlPlaneProcess({
      "services.yaml": `apiVersion: v1
kind: Service
metadata: { name: api, namespace: default }
spec:
  selector: { app: api }
  ports: [{ name: http, port: ${apiPort}, targetPort: http }]
---
apiVersion: v1
kind: Service
metadata: { name: db, namespace: default }
spec:
  selector: { app: api }
  ports: [{ name: tcp, port: ${dbPort}, targetPort: tcp }]
`,
    }, ["--mesh", meshFile]);
    const webPod: PodSpec = { name: "web-0", ip: WEB_IP, serviceAccount: "web-sa", labels: { app: "web", version: "v1" }, ports: {} };
    const apiPod: PodSpec = { name: "api-0", ip: API_IP, serviceAccount: "api-sa", labels: { app: "api", version: "v2" }, ports: { http: apiPort, tcp: dbPort } };
    for (const p of [webPod, apiPod]) await registerPod(cp, p);
    const metrics = ["--metrics-port", String(metricsPort)];
    api = await startSidecar(cp, apiPod, { extraArgs: metrics });
    web = await startSidecar(cp, webPod, { httpProxyPort: proxyPort, extraArgs: metrics });
    const url = `http://api.default.svc.cluster.local:${apiPort}/hello`;
    let last = "";
    await waitFor("a first request through both sidecars", async () => {
      const r = await viaSidecar(WEB_IP, proxyPort, url).catch((e: unknown) => ({ status: 0, body: String(e) }));
      last = `${r.status} ${r.body}`;
      return r.status === 200;
    }, 20_000).catch((e: unknown) => { throw new Error(`${String(e)}: last ${last}; web: ${web.log().slice(-3000)}; api: ${api.log().slice(-3000)}`); });
    for (let i = 0; i < 4; i++) assert.equal((await viaSidecar(WEB_IP, proxyPort, url)).status, 200);
  });

  after(async () => {
    await web?.stop();
    await api?.stop();
    app?.close();
    tcpApp?.close();
    collector?.server.close();
    await cp?.stop();
    if (tmp !== "") await rm(tmp, { recursive: true, force: true });
  });

  it("each pod's 15020-style endpoint shows istio_requests_total from its reporter, with both sides' workloads", async () => {
    const scrape = async (ip: string): Promise<string> => (await fetch(`http://${ip}:${metricsPort}/stats/prometheus`)).text();
    let source: string[] = [];
    let destination: string[] = [];
    await waitFor("requests counted by both reporters", async () => {
      source = series(await scrape(WEB_IP), "istio_requests_total").filter((l) => label(l, "reporter") === "source" && label(l, "response_code") === "200");
      destination = series(await scrape(API_IP), "istio_requests_total").filter((l) => label(l, "reporter") === "destination" && label(l, "response_code") === "200");
      return source.length > 0 && destination.length > 0;
    }, 10_000);
    for (const line of [...source, ...destination]) {
      assert.equal(label(line, "source_app"), "web", line);
      assert.equal(label(line, "source_version"), "v1", line);
      assert.equal(label(line, "destination_app"), "api", line);
      assert.equal(label(line, "destination_version"), "v2", line);
      assert.equal(label(line, "destination_service_name"), "api", line);
      assert.equal(label(line, "source_workload"), "web-0", line);
      assert.equal(label(line, "destination_workload"), "api-0", line);
      assert.equal(label(line, "source_cluster"), "Kubernetes", line);
      assert.equal(label(line, "destination_cluster"), "Kubernetes", line);
      assert.equal(label(line, "source_principal"), "spiffe://cluster.local/ns/default/sa/web-sa", line);
    }
    // The server saw the client's certificate (auto mTLS between the sidecars).
    for (const line of destination) assert.equal(label(line, "connection_security_policy"), "mutual_tls", line);
    const count = (lines: string[]): number => lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
    assert.ok(count(source) >= 5, source.join("\n"));
    assert.ok(count(destination) >= 5, destination.join("\n"));
    // The merged endpoint also carries the proxy's Envoy-style stats.
    assert.match(await scrape(API_IP), /^envoy_/m);
  });

  it("access log lines appear in each proxy's stdout (MeshConfig accessLogFile: /dev/stdout)", async () => {
    await waitFor("access log lines", () => /"GET \/hello HTTP\/1\.1" 200 /.test(web.log()) && /"GET \/hello HTTP\/1\.1" 200 /.test(api.log()), 10_000);
    assert.match(web.log(), new RegExp(`"GET /hello HTTP/1\\.1" 200 .*outbound\\|${apiPort}\\|\\|api\\.default\\.svc\\.cluster\\.local`));
    assert.match(api.log(), new RegExp(`"GET /hello HTTP/1\\.1" 200 .*inbound\\|${apiPort}\\|\\|`));
  });

  it("a request becomes one trace: the client sidecar's span is the parent of the server sidecar's", async () => {
    let pair: [ZipkinSpan, ZipkinSpan] | undefined;
    await waitFor("client and server spans of one trace at the collector", () => {
      for (const s of collector.spans) {
        const child = collector.spans.find((c) => c.traceId === s.traceId && c.parentId === s.id && c !== s);
        if (child) { pair = [s, child]; return true; }
      }
      return false;
    }, 15_000).catch((e: unknown) => { throw new Error(`${String(e)}; spans: ${JSON.stringify(collector.spans).slice(0, 2000)}`); });
    const [parent, child] = pair as [ZipkinSpan, ZipkinSpan];
    assert.equal(parent.kind, "CLIENT");
    assert.equal(child.kind, "SERVER");
    assert.notEqual(parent.localEndpoint?.serviceName, child.localEndpoint?.serviceName);
  });

  it("a TCP connection through both sidecars is counted by both reporters (istio_tcp_*)", async () => {
    let echoed = "";
    await waitFor("bytes echoed through the sidecars' TCP listeners", async () => {
      echoed = await new Promise<string>((resolve) => {
        const c = connect(dbPort, WEB_IP, () => c.end("ping"));
        let got = "";
        c.setTimeout(3000, () => c.destroy());
        c.on("data", (d: Buffer) => { got += d.toString(); });
        c.on("error", () => undefined);
        c.on("close", () => resolve(got));
      });
      return echoed === "ping";
    }, 15_000);
    const scrape = async (ip: string): Promise<string> => (await fetch(`http://${ip}:${metricsPort}/stats/prometheus`)).text();
    let src: string[] = [];
    let dst: string[] = [];
    await waitFor("TCP connections counted on both sides", async () => {
      src = series(await scrape(WEB_IP), "istio_tcp_connections_closed_total").filter((l) => label(l, "reporter") === "source" && label(l, "destination_service_name") === "db");
      dst = series(await scrape(API_IP), "istio_tcp_connections_closed_total").filter((l) => label(l, "reporter") === "destination");
      return src.length > 0 && dst.length > 0;
    }, 10_000);
    for (const l of src) assert.equal(label(l, "source_workload"), "web-0", l);
    for (const l of dst) {
      assert.equal(label(l, "destination_workload"), "api-0", l);
      assert.equal(label(l, "source_principal"), "spiffe://cluster.local/ns/default/sa/web-sa", l);
      assert.equal(label(l, "connection_security_policy"), "mutual_tls", l);
    }
    assert.match(await scrape(API_IP), /^istio_tcp_received_bytes_total\{reporter="destination",.*\} [1-9]/m);
  });
});
