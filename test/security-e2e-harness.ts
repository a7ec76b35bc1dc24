// Real processes for the security end-to-end tests: `mizzen control-plane` with its secure port
// (CA + ADS over TLS), `mizzen proxy` sidecars in interception NONE on their own loopback
// addresses with the identity agent, plain HTTP apps on 127.0.0.1, and HTTP clients that go
// through a sidecar's forward-proxy port or straight to a pod.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer as createHttpServer, request, type Server } from "node:http";
import { createServer, connect, type Server as NetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issuePodToken } from "../src/controlplane/security/index.js";
import { adsBootstrap, BIN, postJson, waitFor } from "./controlplane-helpers.js";

export { waitFor };

function collect(child: ChildProcess, sink: { text: string }): void {
  const add = (c: Buffer): void => { sink.text = (sink.text + c.toString()).slice(-200_000); };
  child.stdout?.on("data", add);
  child.stderr?.on("data", add);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

export interface ControlPlaneProcess {
  readonly configDir: string;
  readonly dataDir: string;
  readonly securePort: number;
  readonly monitoringPort: number;
  readonly rootCertFile: string;
  log(): string;
  write(file: string, text: string): Promise<void>;
  remove(file: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startControlPlaneProcess(files: Record<string, string>, extraArgs: readonly string[] = []): Promise<ControlPlaneProcess> {
  const base = await mkdtemp(join(tmpdir(), "mizzen-sec-e2e-"));
  const configDir = join(base, "config");
  const dataDir = join(base, "data");
  await import("node:fs/promises").then((fs) => fs.mkdir(configDir));
  for (const [name, text] of Object.entries(files)) await writeFile(join(configDir, name), text);
  const child = spawn(process.execPath, [
    BIN, "control-plane", "--config", configDir, "--data-dir", dataDir, "--listen-address", "127.0.0.1",
    "--xds-port", "0", "--monitoring-port", "0", "--secure-port", "0", ...extraArgs,
  ], { stdio: ["ignore", "pipe", "pipe"] });
  const sink = { text: "" };
  collect(child, sink);
  let ready: { monitoringPort: number; securePort: number; rootCertFile: string } | undefined;
  await waitFor("the control plane's ready line", () => {
    const line = sink.text.split("\n").find((l) => l.startsWith("{") && l.includes("\"ready\""));
    if (line) ready = JSON.parse(line) as typeof ready;
    if (child.exitCode !== null) throw new Error(`control plane exited: ${sink.text}`);
    return ready !== undefined;
  }, 20_000);
  const r = ready as NonNullable<typeof ready>;
  return {
    configDir, dataDir, securePort: r.securePort, monitoringPort: r.monitoringPort, rootCertFile: r.rootCertFile,
    log: () => sink.text,
    write: (file, text) => writeFile(join(configDir, file), text),
    remove: (file) => rm(join(configDir, file), { force: true }),
    stop: async () => {
      await stopChild(child);
      await rm(base, { recursive: true, force: true });
    },
  };
}

export interface PodSpec {
  readonly name: string;
  readonly namespace?: string;
  readonly ip: string;
  readonly serviceAccount: string;
  readonly labels: Record<string, string>;
  /** Named container ports (the Service's targetPort names). */
  readonly ports: Record<string, number>;
}

/** Registers a running pod with the control plane (as the local platform does), meshed (tlsMode istio). */
export async function registerPod(cp: ControlPlaneProcess, pod: PodSpec): Promise<void> {
  const r = await postJson(cp.monitoringPort, "/debug/workloads", {
    op: "upsert",
    workload: {
      name: pod.name, namespace: pod.namespace ?? "default", address: pod.ip, ready: true, serviceAccount: pod.serviceAccount, ports: pod.ports,
      labels: { ...pod.labels, "security.istio.io/tlsMode": "istio" },
    },
  });
  if (r.status !== 200) throw new Error(`workload update refused: ${JSON.stringify(r.body)}`);
}

export interface SidecarProcess {
  readonly adminPort: number;
  log(): string;
  stats(): Promise<string>;
  stop(): Promise<void>;
}

export interface SidecarOptions {
  /** The identity the pod's token proves (defaults to the pod's own service account). */
  readonly tokenServiceAccount?: string;
  readonly httpProxyPort?: number;
  readonly extraArgs?: readonly string[];
}

export async function startSidecar(cp: ControlPlaneProcess, pod: PodSpec, opts: SidecarOptions = {}): Promise<SidecarProcess> {
  const ns = pod.namespace ?? "default";
  const tokenFile = join(cp.dataDir, `${pod.name}.token`);
  await writeFile(tokenFile, await issuePodToken(cp.dataDir, { namespace: ns, serviceAccount: opts.tokenServiceAccount ?? pod.serviceAccount, pod: pod.name }), { mode: 0o600 });
  const metadata: Record<string, unknown> = {
    INTERCEPTION_MODE: "NONE", NAMESPACE: ns, LABELS: pod.labels, SERVICE_ACCOUNT: pod.serviceAccount, INBOUND_APP_ADDRESS: "127.0.0.1",
    ...(opts.httpProxyPort !== undefined ? { HTTP_PROXY_PORT: String(opts.httpProxyPort) } : {}),
  };
  const bootstrap = adsBootstrap({
    nodeId: `sidecar~${pod.ip}~${pod.name}.${ns}~${ns}.svc.cluster.local`, cluster: `${pod.labels["app"] ?? pod.name}.${ns}`,
    metadata, xdsPort: cp.securePort,
  });
  // istiod's 15012: verified against the mesh root the agent publishes as ROOTCA.
  const xdsCluster = bootstrap.static_resources.clusters[0] as Record<string, unknown>;
  xdsCluster["transport_socket"] = {
    name: "envoy.transport_sockets.tls",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
      sni: "istiod.istio-system.svc",
      common_tls_context: { validation_context_sds_secret_config: { name: "ROOTCA", sds_config: { ads: {}, resource_api_version: "V3" } } },
    },
  };
  const bootstrapFile = join(cp.dataDir, `${pod.name}.bootstrap.json`);
  await writeFile(bootstrapFile, JSON.stringify(bootstrap));
  const child = spawn(process.execPath, [
    BIN, "proxy", "--bootstrap", bootstrapFile, "--admin-port", "0", "--drain-time-s", "0",
    "--ca-address", `127.0.0.1:${cp.securePort}`, "--root-cert", cp.rootCertFile, "--token-file", tokenFile, ...(opts.extraArgs ?? []),
  ], { stdio: ["ignore", "pipe", "pipe"] });
  const sink = { text: "" };
  collect(child, sink);
  let adminPort = 0;
  await waitFor(`${pod.name}'s admin port`, () => {
    if (child.exitCode !== null) throw new Error(`proxy ${pod.name} exited: ${sink.text}`);
    const m = /admin on 127\.0\.0\.1:(\d+)/.exec(sink.text);
    if (m) adminPort = Number(m[1]);
    return adminPort > 0;
  }, 20_000);
  await waitFor(`${pod.name} ready`, async () => {
    try {
      return (await fetch(`http://127.0.0.1:${adminPort}/ready`)).status === 200;
    } catch {
      return false;
    }
  }, 20_000).catch((e: unknown) => { throw new Error(`${String(e)}; log: ${sink.text}`); });
  return {
    adminPort,
    log: () => sink.text,
    stats: async () => (await fetch(`http://127.0.0.1:${adminPort}/stats`)).text(),
    stop: () => stopChild(child),
  };
}

/** Ports freePortOn() handed out in this process: the probe closes its socket, so the kernel may offer one again. */
const handedOut = new Set<number>();

/** A port free on every one of `hosts`, and not handed out before in this process. */
export async function freePortOn(hosts: readonly string[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once("error", reject);
      s.listen(0, hosts[0], () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    let ok = !handedOut.has(port);
    for (const h of ok ? hosts.slice(1) : []) {
      ok = await new Promise<boolean>((resolve) => {
        const s = createServer();
        s.once("error", () => resolve(false));
        s.listen(port, h, () => s.close(() => resolve(true)));
      });
      if (!ok) break;
    }
    if (ok) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error("no common free port");
}

/**
 * `server.listen(port, host)` that rejects when the port is taken (it was chosen free, but
 * another process may have taken it since): the caller's hook fails instead of waiting for ever.
 */
export function listenOn(server: NetServer, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => { server.off("error", reject); resolve(); });
  });
}

/** An app answering JSON {method, path, headers} on 127.0.0.1:`port`. */
export async function echoApp(port: number, name: string): Promise<Server> {
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ app: name, method: req.method, path: req.url, headers: req.headers }));
    });
  });
  await listenOn(server, port, "127.0.0.1");
  return server;
}

export interface Reply { status: number; body: string }

/** An HTTP request through a sidecar's forward-proxy listener (absolute URL, as with HTTP_PROXY). */
export function viaSidecar(proxyIp: string, proxyPort: number, url: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: proxyIp, port: proxyPort, path: url, method: opts.method ?? "GET", headers: { host: u.host, ...(opts.headers ?? {}) }, timeout: 10_000, agent: false }, (res) => {
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

/** A plaintext HTTP request straight to a pod's sidecar (no client sidecar, no certificate). */
export function direct(ip: string, port: number, path = "/"): Promise<Reply> {
  return viaSidecar(ip, port, path.startsWith("http") ? path : `http://${ip}:${port}${path}`);
}

/** Resolves "closed" when the peer closes a raw connection without answering, else the first bytes. */
export function plaintextOutcome(ip: string, port: number): Promise<"closed" | string> {
  return new Promise((resolve) => {
    const s = connect(port, ip, () => s.write(`GET / HTTP/1.1\r\nhost: ${ip}\r\n\r\n`));
    let got = "";
    s.setTimeout(5000, () => { s.destroy(); resolve("timeout"); });
    s.on("data", (c: Buffer) => { got += c.toString(); });
    s.on("error", () => undefined);
    s.on("close", () => resolve(got === "" ? "closed" : got));
  });
}
