// The control plane's monitoring port (Istio: 15014): /metrics, /ready, /debug/syncz,
// /debug/config_dump?proxyID=…, POST /debug/workloads for the platform's live pod updates, and
// POST /debug/ca/rotate (loopback only) for the next root rotation step.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { MizzenError, errorMessage, isMizzenError } from "../../errors.js";
import type { EnvoyJson } from "../../proxy/contracts.js";
import type { WorkloadUpdate } from "../model/live-workloads.js";
import type { LastChange, ProxySync } from "../sync-observer.js";
import { CA_ROTATE_PATH, caRotateReply, type RootRotationTrigger } from "./ca-rotate-route.js";

const MAX_BODY = 1 << 20;

export interface MonitoringHandlers {
  metrics(): string;
  ready(): boolean;
  syncz(): { controlPlaneVersion: string; lastChange: LastChange | undefined; proxies: ProxySync[] };
  /** The Envoy config dump for a proxy id (or unique prefix), or undefined when unknown. */
  configDump(proxyId: string): EnvoyJson | undefined;
  /** Decodes (throws MIZZEN_ERR_WORKLOAD_UPDATE) and applies an update; returns whether it changed anything. */
  workloadUpdate(body: unknown): boolean;
  /** Takes the next root rotation step; absent, or returning undefined, when no CA runs. */
  rootRotation?: RootRotationTrigger | undefined;
}

function send(res: ServerResponse, status: number, body: string, type = "application/json", headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(status, { ...headers, "content-type": type, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown, headers?: Readonly<Record<string, string>>): void {
  send(res, status, JSON.stringify(value, null, 2) + "\n", "application/json", headers);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new MizzenError("MIZZEN_ERR_BODY_TOO_LARGE", `request body over ${MAX_BODY} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export class MonitoringServer {
  private server: Server | undefined;

  constructor(private readonly handlers: MonitoringHandlers) {}

  async listen(host: string, port: number): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", (e) => reject(new MizzenError("MIZZEN_ERR_MONITORING", `cannot listen on ${host}:${port}: ${errorMessage(e)}`, { cause: e })));
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      const route = `${req.method ?? "GET"} ${url.pathname}`;
      if (url.pathname === CA_ROTATE_PATH) {
        const origin = req.headers.origin;
        const r = await caRotateReply({ method: req.method ?? "GET", remoteAddress: req.socket.remoteAddress, origin }, this.handlers.rootRotation);
        return json(res, r.status, r.body, r.headers);
      }
      switch (route) {
        case "GET /metrics":
          return send(res, 200, this.handlers.metrics(), "text/plain; version=0.0.4");
        case "GET /ready":
          return this.handlers.ready() ? send(res, 200, "ready\n", "text/plain") : send(res, 503, "not ready\n", "text/plain");
        case "GET /debug/syncz":
          return json(res, 200, this.handlers.syncz());
        case "GET /debug/config_dump": {
          const id = url.searchParams.get("proxyID") ?? "";
          if (id === "") return json(res, 400, { code: "MIZZEN_ERR_USAGE", error: "proxyID query parameter is required" });
          const dump = this.handlers.configDump(id);
          return dump ? json(res, 200, dump) : json(res, 404, { code: "MIZZEN_ERR_PROXY_NOT_FOUND", error: `no connected proxy matches "${id}"` });
        }
        case "POST /debug/workloads": {
          let body: unknown;
          try {
            body = JSON.parse(await readBody(req));
          } catch (e) {
            const code = isMizzenError(e) ? e.code : "MIZZEN_ERR_WORKLOAD_UPDATE";
            return json(res, isMizzenError(e) ? 413 : 400, { code, error: isMizzenError(e) ? e.message : `body is not JSON: ${errorMessage(e)}` });
          }
          const updates = Array.isArray(body) ? body : [body];
          let changed = 0;
          for (const u of updates) if (this.handlers.workloadUpdate(u as WorkloadUpdate)) changed += 1;
          return json(res, 200, { applied: updates.length, changed });
        }
        default:
          return json(res, 404, { code: "MIZZEN_ERR_NOT_FOUND", error: `no such endpoint: ${route}` });
      }
    } catch (e) {
      if (!res.headersSent) json(res, isMizzenError(e) ? 400 : 500, { code: isMizzenError(e) ? e.code : "MIZZEN_ERR_INTERNAL", error: errorMessage(e), details: isMizzenError(e) ? e.details : undefined });
      else res.destroy();
    }
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
