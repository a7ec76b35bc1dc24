// The admin API (Envoy's endpoints, localhost by default): config_dump, clusters, listeners, stats,
// stats/prometheus, ready, server_info, drain_listeners, quitquitquit, logging, help.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { MizzenError, errorMessage } from "../../errors.js";
import type { EnvoyJson } from "../contracts.js";
import { LOG_LEVELS, logger, parseLogLevel } from "../server/logger.js";
import { formatPrometheus, type StatSample } from "./prometheus.js";

/** What the admin API reads from and asks of the running proxy. */
export interface AdminBackend {
  configDump(): EnvoyJson;
  clustersText(): string;
  clustersJson(): EnvoyJson;
  listeners(): { name: string; address: string; port: number }[];
  stats(): StatSample[];
  /** "LIVE", "DRAINING", "PRE_INITIALIZING", "INITIALIZING". */
  state(): string;
  serverInfo(): EnvoyJson;
  drainListeners(graceful: boolean): Promise<void>;
  quit(): void;
}

interface Endpoint {
  readonly help: string;
  readonly post: boolean;
  handle(url: URL, res: ServerResponse): void | Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, type = "text/plain; charset=UTF-8"): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-cache, max-age=0", "x-content-type-options": "nosniff" });
  res.end(body);
}

function json(res: ServerResponse, body: unknown): void {
  send(res, 200, JSON.stringify(body, null, 2) + "\n", "application/json");
}

export class AdminServer {
  private server: Server | undefined;
  private readonly endpoints: Map<string, Endpoint>;

  constructor(private readonly backend: AdminBackend) {
    const b = backend;
    this.endpoints = new Map<string, Endpoint>([
      ["/", { help: "Admin home page", post: false, handle: (_u, res) => this.help(res) }],
      ["/help", { help: "print out list of admin commands", post: false, handle: (_u, res) => this.help(res) }],
      ["/config_dump", { help: "dump current Envoy configs (secrets redacted)", post: false, handle: (_u, res) => json(res, b.configDump()) }],
      ["/clusters", {
        help: "upstream cluster status", post: false,
        handle: (u, res) => (u.searchParams.get("format") === "json" ? json(res, b.clustersJson()) : send(res, 200, b.clustersText())),
      }],
      ["/listeners", {
        help: "print listener info", post: false,
        handle: (u, res) => {
          const ls = b.listeners();
          if (u.searchParams.get("format") === "json") {
            json(res, { listener_statuses: ls.map((l) => ({ name: l.name, local_address: { socket_address: { address: l.address, port_value: l.port } } })) });
          } else send(res, 200, ls.map((l) => `${l.name}::${l.address}:${l.port}\n`).join(""));
        },
      }],
      ["/stats", {
        help: "print server stats", post: false,
        handle: (u, res) => {
          const filter = u.searchParams.get("filter");
          let rx: RegExp | undefined;
          try { rx = filter ? new RegExp(filter) : undefined; } catch { return send(res, 400, `invalid regex: ${filter}\n`); }
          const lines = b.stats().map((s) => [s.cluster !== undefined ? `cluster.${s.cluster}.${s.name}` : s.name, s.value] as const)
            .filter(([n]) => !rx || rx.test(n)).sort(([a], [b2]) => a.localeCompare(b2));
          if (u.searchParams.get("format") === "json") return json(res, { stats: lines.map(([name, value]) => ({ name, value })) });
          send(res, 200, lines.map(([n, v]) => `${n}: ${v}\n`).join(""));
        },
      }],
      ["/stats/prometheus", { help: "print server stats in prometheus format", post: false, handle: (_u, res) => send(res, 200, formatPrometheus(b.stats()), "text/plain; version=0.0.4") }],
      ["/ready", {
        help: "print server state, return 200 if LIVE, otherwise return 503", post: false,
        handle: (_u, res) => { const s = b.state(); send(res, s === "LIVE" ? 200 : 503, `${s}\n`); },
      }],
      ["/server_info", { help: "print server version/status information", post: false, handle: (_u, res) => json(res, b.serverInfo()) }],
      ["/drain_listeners", {
        help: "drain listeners (?graceful: drain connections first)", post: true,
        handle: async (u, res) => { await b.drainListeners(u.searchParams.has("graceful")); send(res, 200, "OK\n"); },
      }],
      ["/quitquitquit", { help: "exit the server", post: true, handle: (_u, res) => { send(res, 200, "OK\n"); setImmediate(() => b.quit()); } }],
      ["/logging", {
        help: "query/change logging levels (POST ?level=debug)", post: false,
        handle: (u, res) => this.logging(u, res),
      }],
    ]);
  }

  private help(res: ServerResponse): void {
    const lines = [...this.endpoints].filter(([p]) => p !== "/").map(([p, e]) => `  ${p}: ${e.help}\n`);
    send(res, 200, `admin commands are:\n${lines.join("")}`);
  }

  private logging(u: URL, res: ServerResponse): void {
    const level = u.searchParams.get("level");
    if (level !== null && u.searchParams.size > 0) {
      const parsed = parseLogLevel(level);
      if (parsed === undefined) return send(res, 400, `unknown level "${level}" (${LOG_LEVELS.join(", ")})\n`);
      logger.level = parsed;
    }
    send(res, 200, `active loggers:\n  mizzen: ${logger.level}\n`);
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://admin");
    const ep = this.endpoints.get(url.pathname);
    if (!ep) return send(res, 404, `invalid path. admin commands are:\n${[...this.endpoints.keys()].join("\n")}\n`);
    const mutating = ep.post || (url.pathname === "/logging" && url.searchParams.size > 0);
    if (mutating && req.method !== "POST") return send(res, 405, "This endpoint requires POST.\n");
    if (!mutating && req.method !== "GET" && req.method !== "HEAD" && req.method !== "POST") return send(res, 405, "Method Not Allowed\n");
    await ep.handle(url, res);
  }

  listen(address: string, port: number): Promise<number> {
    const server = createServer((req, res) => {
      this.dispatch(req, res).catch((e: unknown) => {
        logger.error(`admin: ${errorMessage(e)}`);
        if (!res.headersSent) send(res, 500, `${errorMessage(e)}\n`);
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", (e: NodeJS.ErrnoException) => reject(new MizzenError("MIZZEN_ERR_ADMIN_BIND", `admin: cannot bind ${address}:${port}: ${e.code ?? e.message}`)));
      server.listen(port, address, () => resolve((server.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return Promise.resolve();
    s.closeAllConnections();
    return new Promise((r) => s.close(() => r()));
  }
}
