// The agent's merged metrics endpoint (port 15020, /stats/prometheus): the proxy's metrics plus,
// when the pod asks for it with prometheus.io/* annotations, the application's own metrics,
// scraped on each request and appended as Istio's metrics merging does. A failing app scrape
// never hides the proxy's metrics.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface AppScrapeTarget {
  host?: string;
  port: number;
  path?: string;
}

export interface MergedMetricsOptions {
  port: number;
  host?: string;
  /** The proxy's metrics in Prometheus text format (Istio's standard metrics, Envoy-style stats). */
  proxyStats: () => string | Promise<string>;
  appScrape?: AppScrapeTarget;
  /** Bound on the app scrape. */
  appTimeoutMs?: number;
}

export interface MergedMetricsServer {
  readonly port: number;
  /** App scrapes that failed (also exported as istio_agent_scrape_failures_total-like counter). */
  readonly appScrapeFailures: number;
  close(): Promise<void>;
}

const APP_BODY_LIMIT = 16 * 1024 * 1024;

/** The app scrape target from pod annotations (prometheus.io/scrape, /port, /path), or undefined. */
export function appScrapeFromAnnotations(annotations: Readonly<Record<string, string>>, host = "127.0.0.1"): AppScrapeTarget | undefined {
  if ((annotations["prometheus.io/scrape"] ?? "").toLowerCase() !== "true") return undefined;
  const port = Number(annotations["prometheus.io/port"] ?? "80");
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  const path = annotations["prometheus.io/path"] ?? "/metrics";
  return { host, port, path: path.startsWith("/") ? path : `/${path}` };
}

function scrapeApp(t: AppScrapeTarget, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: t.host ?? "127.0.0.1", port: t.port, path: t.path ?? "/metrics", method: "GET", timeout: timeoutMs, headers: { accept: "text/plain" } }, (res: IncomingMessage) => {
      if ((res.statusCode ?? 0) !== 200) { res.resume(); reject(new Error(`app metrics answered ${res.statusCode ?? 0}`)); return; }
      const chunks: Buffer[] = [];
      let n = 0;
      res.on("data", (d: Buffer) => {
        n += d.length;
        if (n > APP_BODY_LIMIT) { req.destroy(new Error("app metrics too large")); return; }
        chunks.push(d);
      });
      res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("app metrics timed out")));
    req.on("error", reject);
    req.end();
  });
}

export function startMergedMetricsServer(o: MergedMetricsOptions): Promise<MergedMetricsServer> {
  let failures = 0;
  const sockets = new Set<Socket>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/stats/prometheus" && path !== "/metrics") { res.writeHead(404).end("not found\n"); return; }
    let body: string;
    try {
      body = await o.proxyStats();
    } catch {
      body = ""; // the proxy's own stats failing must not hide the app's
    }
    if (o.appScrape !== undefined) {
      try {
        const app = await scrapeApp(o.appScrape, o.appTimeoutMs ?? 5000);
        if (body !== "" && !body.endsWith("\n")) body += "\n";
        body += app;
      } catch {
        failures++;
      }
    }
    if (body !== "" && !body.endsWith("\n")) body += "\n";
    body += `# TYPE istio_agent_scrape_failures_total counter\nistio_agent_scrape_failures_total ${failures}\n`;
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(body);
  };
  const server: Server = createServer((req, res) => { void handle(req, res); });
  server.on("connection", (s: Socket) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host ?? "0.0.0.0", () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        get appScrapeFailures() { return failures; },
        close: () => new Promise<void>((res) => { for (const s of sockets) s.destroy(); server.close(() => res()); }),
      });
    });
  });
}
