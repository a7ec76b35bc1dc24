// Helpers for Bookinfo tests: start a service script as a real process and learn its port; a
// recording forward proxy that maps Kubernetes service names to local ports (as a sidecar would).
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";

export const BOOKINFO_SRC = new URL("../../samples/bookinfo/src/", import.meta.url).pathname;

export interface RunningService {
  child: ChildProcess;
  port: number;
  output(): string;
}

/** Spawns `node samples/bookinfo/src/<script>` on 127.0.0.1 with an ephemeral port; resolves when it listens. */
export function startService(script: string, env: Record<string, string>): Promise<RunningService> {
  const child = spawn(process.execPath, [BOOKINFO_SRC + script], {
    env: { ...process.env, HTTP_PROXY: "", http_proxy: "", HOST: "127.0.0.1", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`${script} did not start: ${out}`)); }, 10_000);
    const onData = (b: Buffer): void => {
      out += b.toString();
      const m = / listening on [^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), output: () => out });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (b: Buffer) => { out += b.toString(); });
    child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`${script} exited ${code}: ${out}`)); });
  });
}

export function stopService(s: RunningService | undefined): Promise<void> {
  if (!s || s.child.exitCode !== null || s.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    s.child.once("exit", () => resolve());
    s.child.kill("SIGKILL");
  });
}

export interface SeenRequest { host: string; path: string; headers: http.IncomingHttpHeaders }

/** A forward proxy for absolute-form requests: `routes` maps "name:port" to a local port; unknown names get 503. */
export interface TestForwardProxy {
  port: number;
  routes: Map<string, number>;
  seen: SeenRequest[];
  close(): Promise<void>;
}

export async function startForwardProxy(): Promise<TestForwardProxy> {
  const routes = new Map<string, number>();
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end("not absolute-form");
      return;
    }
    seen.push({ host: target.host, path: target.pathname, headers: req.headers });
    const port = routes.get(target.host);
    if (port === undefined) {
      res.writeHead(503).end("no healthy upstream");
      return;
    }
    const up = http.request({ host: "127.0.0.1", port, path: target.pathname + target.search, method: req.method, headers: req.headers, agent: false }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on("error", () => { if (!res.headersSent) res.writeHead(503); res.end(); });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    routes,
    seen,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export interface HttpResult { status: number; headers: http.IncomingHttpHeaders; body: string }

export function httpGet(port: number, path: string, headers: Record<string, string> = {}, method = "GET", body?: string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method, headers, agent: false, timeout: 15_000 }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => { text += c.toString(); });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}
