// Batched span export off the request path: spans queue in memory (bounded; the oldest are
// dropped when the collector is slow) and are POSTed every flush interval or when a batch
// fills, as Zipkin v2 JSON (/api/v2/spans) or OTLP/HTTP JSON (/v1/traces).
import { request } from "node:http";
import { otlpJson, type Span, type SpanSink } from "./span.js";

export type ExportFormat = "zipkin" | "otlp";

export interface ExporterOptions {
  host: string;
  port: number;
  path: string;
  format: ExportFormat;
  flushIntervalMs?: number;
  maxBatch?: number;
  maxQueue?: number;
}

export class SpanExporter implements SpanSink {
  private queue: Span[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  dropped = 0;
  exported = 0;
  failed = 0;

  constructor(readonly o: ExporterOptions) {}

  add(span: Span): void {
    if (this.queue.length >= (this.o.maxQueue ?? 10_000)) { this.queue.shift(); this.dropped++; }
    this.queue.push(span);
    if (this.queue.length >= (this.o.maxBatch ?? 100)) { this.flush(); return; }
    if (this.timer === null) {
      this.timer = setTimeout(() => { this.timer = null; this.flush(); }, this.o.flushIntervalMs ?? 1000);
      this.timer.unref();
    }
  }

  /** Sends what is queued now (returns when the POST finished or failed). */
  flush(): Promise<void> {
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    if (this.queue.length === 0) return Promise.resolve();
    const batch = this.queue;
    this.queue = [];
    const body = JSON.stringify(this.o.format === "zipkin" ? batch : otlpJson(batch));
    this.inFlight++;
    return new Promise<void>((resolve) => {
      const done = (ok: boolean): void => {
        this.inFlight--;
        if (ok) this.exported += batch.length; else this.failed += batch.length;
        resolve();
      };
      const req = request({ host: this.o.host, port: this.o.port, path: this.o.path, method: "POST", timeout: 5000,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on("end", () => done((res.statusCode ?? 0) < 300));
        res.on("error", () => done(false));
      });
      req.on("timeout", () => req.destroy());
      req.on("error", () => done(false));
      req.end(body);
    });
  }

  get pending(): number {
    return this.queue.length + this.inFlight;
  }
}

const exporters = new Map<string, SpanExporter>();

/** One exporter per collector address and format, shared by every connection manager. */
export function sharedExporter(o: ExporterOptions): SpanExporter {
  const key = `${o.format} ${o.host}:${o.port}${o.path}`;
  let e = exporters.get(key);
  if (e === undefined) { e = new SpanExporter(o); exporters.set(key, e); }
  return e;
}

/** Flushes every shared exporter (tests, shutdown). */
export async function flushAllExporters(): Promise<void> {
  await Promise.all([...exporters.values()].map((e) => e.flush()));
}
