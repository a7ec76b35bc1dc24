// An in-memory trace store (ring buffer of spans) with a Zipkin-compatible API, so the local
// demo has traces without setup: POST /api/v2/spans (Zipkin v2 JSON), POST /v1/traces (OTLP/HTTP
// JSON), GET /api/v2/services, /api/v2/traces?serviceName=&limit=, /api/v2/trace/{traceId}.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Span, SpanSink } from "./span.js";

const BODY_LIMIT = 8 * 1024 * 1024;

export class TraceStore implements SpanSink {
  private readonly ring: (Span | undefined)[];
  private next = 0;

  constructor(readonly capacity = 10_000) {
    this.ring = new Array<Span | undefined>(capacity);
  }

  add(span: Span): void {
    this.ring[this.next] = span;
    this.next = (this.next + 1) % this.capacity;
  }

  spans(): Span[] {
    const out: Span[] = [];
    for (let i = 0; i < this.capacity; i++) {
      const s = this.ring[(this.next + i) % this.capacity];
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  trace(traceId: string): Span[] {
    const id = traceId.toLowerCase().padStart(32, "0");
    return this.spans().filter((s) => s.traceId === id);
  }

  services(): string[] {
    return [...new Set(this.spans().map((s) => s.localEndpoint.serviceName))].sort();
  }

  /** Traces (newest first) with at least one span of `service` when given. */
  traces(service: string | undefined, limit: number): Span[][] {
    const byTrace = new Map<string, Span[]>();
    for (const s of this.spans()) {
      const l = byTrace.get(s.traceId) ?? [];
      l.push(s);
      byTrace.set(s.traceId, l);
    }
    const all = [...byTrace.values()].filter((l) => service === undefined || l.some((s) => s.localEndpoint.serviceName === service));
    all.sort((a, b) => Math.max(...b.map((s) => s.timestamp)) - Math.max(...a.map((s) => s.timestamp)));
    return all.slice(0, limit);
  }
}

function isSpan(v: unknown): v is Span {
  if (v === null || typeof v !== "object") return false;
  const o = v as Record<string, unknown>;
  return typeof o["traceId"] === "string" && typeof o["id"] === "string";
}

/** Zipkin v2 JSON spans, normalised; malformed entries are skipped. */
export function spansFromZipkin(body: unknown): Span[] {
  if (!Array.isArray(body)) return [];
  return body.filter(isSpan).map((s) => ({
    ...s,
    traceId: s.traceId.toLowerCase().padStart(32, "0"),
    name: typeof s.name === "string" ? s.name : "",
    kind: s.kind === "SERVER" ? "SERVER" : "CLIENT",
    timestamp: Number(s.timestamp ?? 0),
    duration: Number(s.duration ?? 0),
    localEndpoint: s.localEndpoint ?? { serviceName: "unknown" },
    tags: s.tags ?? {},
  }));
}

interface OtlpAttr { key?: string; value?: { stringValue?: string; intValue?: string | number } }

/** OTLP/HTTP JSON to spans. */
export function spansFromOtlp(body: unknown): Span[] {
  const out: Span[] = [];
  const rs = (body as { resourceSpans?: unknown })?.resourceSpans;
  if (!Array.isArray(rs)) return out;
  for (const r of rs as { resource?: { attributes?: OtlpAttr[] }; scopeSpans?: { spans?: Record<string, unknown>[] }[] }[]) {
    const svc = r.resource?.attributes?.find((a) => a.key === "service.name")?.value?.stringValue ?? "unknown";
    for (const ss of r.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        if (typeof s["traceId"] !== "string" || typeof s["spanId"] !== "string") continue;
        const start = Number(BigInt(String(s["startTimeUnixNano"] ?? "0")) / 1000n);
        const end = Number(BigInt(String(s["endTimeUnixNano"] ?? "0")) / 1000n);
        const tags: Record<string, string> = {};
        for (const a of (Array.isArray(s["attributes"]) ? s["attributes"] : []) as OtlpAttr[]) {
          if (typeof a.key === "string") tags[a.key] = String(a.value?.stringValue ?? a.value?.intValue ?? "");
        }
        const span: Span = { traceId: s["traceId"], id: s["spanId"], name: String(s["name"] ?? ""), kind: s["kind"] === 2 ? "SERVER" : "CLIENT",
          timestamp: start, duration: end - start, localEndpoint: { serviceName: svc }, tags };
        if (typeof s["parentSpanId"] === "string" && s["parentSpanId"] !== "") span.parentId = s["parentSpanId"];
        out.push(span);
      }
    }
  }
  return out;
}

export interface TraceStoreServer {
  readonly port: number;
  readonly store: TraceStore;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on("data", (d: Buffer) => { n += d.length; if (n > BODY_LIMIT) { req.destroy(); reject(new Error("body too large")); } else chunks.push(d); });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function json(res: ServerResponse, status: number, v: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(v));
}

export function startTraceStoreServer(opts: { port: number; host?: string; store?: TraceStore }): Promise<TraceStoreServer> {
  const store = opts.store ?? new TraceStore();
  const sockets = new Set<Socket>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://x");
    const p = url.pathname;
    if (req.method === "POST" && (p === "/api/v2/spans" || p === "/v1/traces")) {
      let parsed: unknown;
      try { parsed = JSON.parse((await readBody(req)).toString("utf8")); } catch { json(res, 400, { error: "malformed JSON" }); return; }
      for (const s of p === "/v1/traces" ? spansFromOtlp(parsed) : spansFromZipkin(parsed)) store.add(s);
      res.writeHead(p === "/v1/traces" ? 200 : 202).end(p === "/v1/traces" ? "{}" : "");
      return;
    }
    if (req.method !== "GET") { json(res, 405, { error: "method not allowed" }); return; }
    if (p === "/api/v2/services") { json(res, 200, store.services()); return; }
    if (p === "/api/v2/traces") {
      const limit = Math.min(Math.max(Number(url.searchParams.get("limit") ?? "10") || 10, 1), 1000);
      json(res, 200, store.traces(url.searchParams.get("serviceName") ?? undefined, limit));
      return;
    }
    const m = /^\/api\/v2\/trace\/([0-9a-fA-F]{1,32})$/.exec(p);
    if (m !== null) {
      const t = store.trace(m[1] as string);
      if (t.length === 0) json(res, 404, { error: "trace not found" }); else json(res, 200, t);
      return;
    }
    json(res, 404, { error: "not found" });
  };
  const server: Server = createServer((req, res) => { handle(req, res).catch(() => { if (!res.headersSent) json(res, 500, { error: "internal" }); }); });
  server.on("connection", (s: Socket) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "127.0.0.1", () => resolve({
      port: (server.address() as AddressInfo).port,
      store,
      close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
    }));
  });
}
