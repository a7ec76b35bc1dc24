// One stream from an HTTP/2 client (gRPC included): routed and filtered like the HTTP/1.1
// path, forwarded over node:http2 to HTTP/2 clusters (trailers relayed) or over node:http to
// HTTP/1.1 ones. This file holds the stream's state and life cycle; the work is in helpers that
// take the exchange: exchange-routing.ts (route action, attempts, retries, timeouts),
// exchange-forward.ts (the upstream request and the response relay) and
// exchange-local-reply.ts (answers the proxy makes itself).
import type { ServerHttp2Stream, IncomingHttpHeaders, ClientHttp2Stream } from "node:http2";
import type { ClientRequest } from "node:http";
import { MizzenError } from "../../../errors.js";
import type { Cluster, ConnectionInfo, ResponseFlag, UpstreamHost } from "../../contracts.js";
import type { CompiledRoute } from "../../router/route.js";
import { HttpRequestRecord } from "../request-record.js";
import { monotonicNow, wallClockAt } from "../request-clock.js";
import { HeaderList } from "../header-list.js";
import { currentRouteConfig, type HcmRuntime } from "../hcm-runtime.js";
import { FILTER_STOP, type HttpStream } from "../filters/http-filter.js";
import { trustedClientAddress } from "../trusted-client-address.js";
import { DEFAULT_BUFFER_LIMIT_BYTES } from "../h1/buffer-limit.js";
import { dropUpstream, routeRequest } from "./exchange-routing.js";
import { grpcLocalReply, localReply } from "./exchange-local-reply.js";

const STREAM_RESET = new MizzenError("MIZZEN_ERR_H2_STREAM_RESET", "stream reset by the proxy after the response started");

function onIdle(this: ServerHttp2Stream): void { exchangeOf.get(this)?.idleTimeout(); }

/** The exchange of each stream, for the shared idle-timeout callback (no closure per stream). */
const exchangeOf = new WeakMap<ServerHttp2Stream, H2Exchange>();

export class H2Exchange implements HttpStream {
  readonly record = new HttpRequestRecord();
  readonly headers = new HeaderList();
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  route: CompiledRoute | null = null;
  // State below is shared with the exchange-*.ts helpers (not for other modules).
  cluster: Cluster | null = null;
  host: UpstreamHost | null = null;
  responded = false;
  finished = false;
  requestEnded = false;
  /** monotonicNow() when the request ended (END_STREAM), -1 before. */
  requestEndedAt = -1;
  /** Request body kept for retries (up to the listener's buffer limit); null once dropped. */
  body: Buffer[] | null = [];
  bodyBytes = 0;
  retriesLeft = 0;
  hash: number | undefined;
  /** Hosts tried (retry previous_hosts predicate). */
  tried: Set<UpstreamHost> | null = null;
  timer: NodeJS.Timeout | null = null;
  waitTimer: NodeJS.Timeout | null = null;
  extraResponse: HeaderList | null = null;
  upstream: ClientHttp2Stream | ClientRequest | null = null;
  requestsAcquired = false;
  readonly grpc: boolean;
  readonly remoteAddress: string;
  readonly tls: boolean;

  constructor(readonly rt: HcmRuntime, readonly stream: ServerHttp2Stream, h: IncomingHttpHeaders, readonly connection: ConnectionInfo) {
    this.remoteAddress = connection.remoteAddress;
    this.tls = connection.tls !== undefined;
    this.method = String(h[":method"] ?? "GET");
    this.path = String(h[":path"] ?? "/");
    this.authority = String(h[":authority"] ?? h["host"] ?? "");
    for (const [k, v] of Object.entries(h)) {
      if (k.charCodeAt(0) === 58 || v === undefined) continue;
      if (Array.isArray(v)) for (const x of v) this.headers.push(k, x);
      else this.headers.push(k, String(v));
    }
    this.grpc = (this.headers.get("content-type") ?? "").startsWith("application/grpc");
    const r = this.record;
    r.startMono = monotonicNow();
    r.startTime = wallClockAt(r.startMono); // one clock read, as on HTTP/1.1
    r.method = this.method;
    r.authority = this.authority;
    r.path = this.path;
    r.protocol = "HTTP/2";
    r.downstreamRemoteAddress = connection.remoteAddress;
    r.statPrefix = rt.config.statPrefix;
    stream.on("data", (d: Buffer) => this.onRequestData(d));
    stream.on("end", () => this.onRequestEnd());
    stream.on("close", () => this.onStreamClose());
    // Envoy's stream idle timer: any frame on the stream rearms it (node's stream timeout does).
    if (rt.config.streamIdleTimeoutMs > 0) {
      exchangeOf.set(stream, this);
      stream.setTimeout(rt.config.streamIdleTimeoutMs, onIdle);
    }
  }

  /** Route idle_timeout replaces the HCM's stream_idle_timeout for this stream (0 disables it). */
  applyRouteIdleTimeout(ms: number): void {
    if (ms < 0 || this.finished) return;
    // setTimeout adds its callback as another 'timeout' listener: add it once per stream.
    const first = !exchangeOf.has(this.stream);
    exchangeOf.set(this.stream, this);
    this.stream.setTimeout(ms, first && ms > 0 ? onIdle : undefined);
  }

  /**
   * Resets the client's stream (RST_STREAM INTERNAL_ERROR) after the response started. close()
   * would end the writable side first, and an END_STREAM makes a truncated body look complete.
   */
  resetStream(): void {
    if (!this.stream.destroyed) this.stream.destroy(STREAM_RESET);
  }

  /** No activity on the stream for the idle timeout: 408 before the response started, else reset. */
  idleTimeout(): void {
    if (this.finished) return;
    this.record.addFlag("SI");
    // Reset the client first: dropping the upstream can end its response, which would end ours.
    if (this.responded) { this.record.details = "stream_idle_timeout"; this.resetStream(); dropUpstream(this); this.done(); return; }
    dropUpstream(this);
    this.localReply(408, null, "stream timeout: stream_idle_timeout");
  }

  start(): void {
    const cfg = this.rt.config;
    // The trusted client address (RBAC remote_ip, access log, tracing) when XFF can name it.
    if (!cfg.useRemoteAddress || cfg.xffNumTrustedHops > 0) {
      const xff = this.headers.get("x-forwarded-for");
      if (xff !== undefined) this.record.downstreamRemoteAddress = trustedClientAddress(xff, this.remoteAddress, cfg.useRemoteAddress, cfg.xffNumTrustedHops);
    }
    const rc = currentRouteConfig(this.rt);
    const m = rc?.match(this, this.rt.config.stripAnyHostPort) ?? null;
    if (m === null) {
      this.localReply(404, "NR", rc === undefined ? "no route: route config has not arrived"
        : `no route: no virtual host or route matches authority "${this.authority}" path "${this.path}" in route config "${rc.name}"`);
      return;
    }
    this.route = m.route;
    this.record.routeName = m.route.name;
    this.record.virtualHost = m.virtualHost.name;
    this.continueFilters(0);
  }

  continueFilters(from: number): void {
    this.waitTimer = null;
    if (this.finished) return;
    const filters = this.rt.config.filters;
    for (let i = from; i < filters.length; i++) if ((filters[i] as (typeof filters)[number]).onRequest(this, i) === FILTER_STOP) return;
    routeRequest(this);
  }

  pauseFor(timer: NodeJS.Timeout): void { this.waitTimer = timer; }

  addResponseHeader(name: string, value: string): void { (this.extraResponse ??= new HeaderList()).push(name, value); }

  private onRequestData(d: Buffer): void {
    this.record.bytesReceived += d.length;
    this.record.bodyObserver?.onRequestData(d);
    if (this.body !== null) {
      this.bodyBytes += d.length;
      // Beyond the listener's buffer limit the body is not kept: the request is not retried.
      if (this.bodyBytes > (this.connection.bufferLimitBytes || DEFAULT_BUFFER_LIMIT_BYTES) && this.upstream !== null) this.body = null;
      else this.body.push(d);
    }
    const up = this.upstream;
    if (up !== null && !up.write(d)) { this.stream.pause(); up.once("drain", () => this.stream.resume()); }
  }

  private onRequestEnd(): void {
    // node:http2 also ends the readable side when the client resets the stream (RST_STREAM with
    // NO_ERROR); that body is truncated, so the upstream is reset (on 'close'), never ended.
    if (this.stream.closed) return;
    this.requestEnded = true;
    this.requestEndedAt = monotonicNow();
    if (this.upstream !== null) this.upstream.end();
  }

  localReply(status: number, flag: ResponseFlag | null, details: string, extraHeaders = ""): void {
    localReply(this, status, flag, details, extraHeaders);
  }

  grpcLocalReply(grpcStatus: number, flag: ResponseFlag | null, details: string): void {
    grpcLocalReply(this, grpcStatus, flag, details);
  }

  private onStreamClose(): void {
    if (this.finished) return;
    this.record.addFlag("DC");
    dropUpstream(this);
    this.done();
  }

  done(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.waitTimer !== null) clearTimeout(this.waitTimer);
    if (this.requestsAcquired) (this.cluster as Cluster).release("requests");
    const r = this.record;
    r.durationMs = monotonicNow() - r.startMono;
    this.rt.observer?.(r);
  }
}
