// One HTTP/1.1 request on the fast path. This file holds the exchange's state and its life
// cycle (start, filters, request body, end); the work is in helpers that take the exchange, one
// concern each: exchange-routing.ts (route action, cluster, upstream head), exchange-attempt.ts
// (host pick, upstream attempt, timeouts, retries), exchange-response.ts (response relay) and
// exchange-local-reply.ts (answers the proxy makes itself).
import { monotonicNow, wallClockAt } from "./request-clock.js";
import type { Socket } from "node:net";
import type { Cluster, ConnectionInfo, ResponseFlag, UpstreamHost } from "../contracts.js";
import type { CompiledRoute } from "../router/route.js";
import { HttpRequestRecord } from "./request-record.js";
import { HeaderList } from "./header-list.js";
import { currentRouteConfig } from "./hcm-runtime.js";
import { FILTER_STOP, type HttpStream } from "./filters/http-filter.js";
import type { RequestHead } from "./h1/request-head.js";
import type { ResponseHead } from "./h1/response-head.js";
import type { H1UpstreamConnection, UpstreamUser } from "./upstream/h1-upstream-connection.js";
import type { H1Downstream } from "./h1/downstream.js";
import { trustedClientAddress } from "./trusted-client-address.js";
import { DEFAULT_BUFFER_LIMIT_BYTES } from "./h1/buffer-limit.js";
import { writeDirect } from "./h1/direct-write.js";
import { routeRequest } from "./exchange-routing.js";
import { dropUpstream, onUpstreamFailure, timeout, upstreamHead } from "./exchange-attempt.js";
import { onUpstreamBody, onUpstreamHead, onUpstreamReadEnd, onUpstreamResponse } from "./exchange-response.js";
import { grpcLocalReply, localReply } from "./exchange-local-reply.js";

export class HttpExchange implements HttpStream, UpstreamUser {
  readonly record = new HttpRequestRecord();
  route: CompiledRoute | null = null;
  cluster: Cluster | null = null;
  host: UpstreamHost | null = null;
  upstream: H1UpstreamConnection | null = null;
  /** Bytes of the response already went to the client: no local reply or retry any more. */
  responseStarted = false;
  requestComplete: boolean;
  /** A filter paused the request and resumed it later (routing no longer runs when the head was read). */
  filtersResumed = false;
  /** Monotonic time (request-clock.ts) when the upstream's response head arrived. */
  responseHeadAt = -1;
  /** Monotonic time (request-clock.ts) when the downstream request ended, -1 while it is arriving. */
  requestCompleteAt = -1;
  finished = false;
  // State below is shared with the exchange-*.ts helpers (not for other modules).
  /** Request body bytes held (routing paused, back-off) or kept for a retry; null = none. */
  body: Buffer[] | null = null;
  bodyBytes = 0;
  /** The body outgrew the buffer limit: the request cannot be retried. */
  bodyDropped = false;
  retriesLeft = 0;
  /** A retry back-off timer holds a unit of the cluster's max_retries. */
  retryWaiting = false;
  hash: number | undefined = undefined;
  /** Hosts tried (retry previous_hosts predicate). */
  tried: Set<UpstreamHost> | null = null;
  tryTimer: NodeJS.Timeout | null = null;
  waitTimer: NodeJS.Timeout | null = null;
  extraResponse: HeaderList | null = null;
  requestsAcquired = false;
  requestId = "";
  upstreamPathValue = "";
  hostHeader = "";

  readonly peerSocket: Socket;
  /** The response head, held until the body bytes of the same upstream read (one write for both). */
  heldHead: Buffer | string | null = null;
  /** Set when the held head is the upstream's bytes, to go out with Envoy's headers spliced in (forward-head.ts `splicedResponse`). */
  spliceHead: ResponseHead | null = null;
  /** The upstream's server line is cut; Envoy's lines (server, date) go in (envoy-response-headers.ts `splicedLines`). */
  spliceCutServer = false;
  spliceLines: Buffer | null = null;
  spliceMs = -1;

  constructor(readonly dc: H1Downstream, readonly head: RequestHead, bodyless: boolean) {
    this.requestComplete = bodyless;
    this.peerSocket = dc.socket;
    const r = this.record;
    r.startMono = monotonicNow();
    r.startTime = wallClockAt(r.startMono);
    if (bodyless) this.requestCompleteAt = r.startMono;
    r.method = head.method;
    r.authority = head.authority;
    r.path = head.path;
    r.protocol = head.version === 11 ? "HTTP/1.1" : "HTTP/1.0";
    r.downstreamRemoteAddress = dc.remoteAddress;
    r.statPrefix = dc.rt.config.statPrefix;
  }

  get method(): string { return this.head.method; }
  get connection(): ConnectionInfo { return this.dc.info; }
  get headers(): HeaderList { return this.head.headers; }
  get authority(): string { return this.head.authority; }
  get path(): string { return this.head.path; }

  start(): void {
    const rt = this.dc.rt;
    const cfg = rt.config;
    // The trusted client address (RBAC remote_ip, access log, tracing) when XFF can name it.
    if (!cfg.useRemoteAddress || cfg.xffNumTrustedHops > 0) {
      const xff = this.head.headers.get("x-forwarded-for");
      if (xff !== undefined) this.record.downstreamRemoteAddress = trustedClientAddress(xff, this.dc.remoteAddress, cfg.useRemoteAddress, cfg.xffNumTrustedHops);
    }
    const rc = currentRouteConfig(rt);
    if (rc === undefined) {
      this.localReply(404, "NR", `no route: route config "${rt.config.rdsName ?? ""}" has not arrived`);
      return;
    }
    const m = rc.match(this, rt.config.stripAnyHostPort);
    if (m === null) {
      this.localReply(404, "NR", `no route: no virtual host or route matches authority "${this.head.authority}" path "${this.head.path}" in route config "${rc.name}"`);
      return;
    }
    this.route = m.route;
    this.record.routeName = m.route.name;
    this.record.virtualHost = m.virtualHost.name;
    this.continueFilters(0);
  }

  continueFilters(from: number): void {
    if (from > 0) this.filtersResumed = true;
    this.waitTimer = null;
    if (this.finished) return;
    const filters = this.dc.rt.config.filters;
    for (let i = from; i < filters.length; i++) {
      if ((filters[i] as (typeof filters)[number]).onRequest(this, i) === FILTER_STOP) return;
    }
    routeRequest(this);
  }

  pauseFor(timer: NodeJS.Timeout): void {
    this.waitTimer = timer;
  }

  addResponseHeader(name: string, value: string): void {
    (this.extraResponse ??= new HeaderList()).push(name, value);
  }

  /** Upstream head for mirrors and attempts. */
  upstreamHead(host: string): string {
    return upstreamHead(this, host);
  }

  /** Request body bytes from the client, framing included. */
  onRequestBody(bytes: Buffer, last: boolean): void {
    this.record.bytesReceived += bytes.length;
    if (this.finished) return;
    const up = this.upstream;
    if (up === null) {
      this.holdBody(bytes);
      if (this.finished) return;
    } else if (this.body !== null) this.keepForRetry(bytes);
    if (last) { this.requestComplete = true; this.requestCompleteAt = monotonicNow(); }
    if (up === null) return;
    if (!writeDirect(up.socket, bytes)) this.dc.pauseForUpstream();
    if (last) up.requestDone = true;
  }

  /** The listener's per_connection_buffer_limit_bytes: the most request body kept in memory. */
  private bufferLimit(): number {
    return this.dc.info.bufferLimitBytes || DEFAULT_BUFFER_LIMIT_BYTES;
  }

  /** Body bytes while no attempt is in flight (routing paused by a filter, or a retry back-off). */
  private holdBody(bytes: Buffer): void {
    const limit = this.bufferLimit();
    if (this.record.attempts > 0 && this.bodyBytes + bytes.length > limit) {
      // Envoy's router: the body outgrew the retry buffer while waiting to retry.
      this.localReply(507, null, "exceeded request buffer limit while retrying upstream");
      return;
    }
    (this.body ??= []).push(bytes);
    this.bodyBytes += bytes.length;
    if (this.bodyBytes > limit) this.dc.pauseForUpstream();
  }

  /** Body bytes also sent upstream: kept for a retry up to the buffer limit, beyond it the request is not retried. */
  private keepForRetry(bytes: Buffer): void {
    this.bodyBytes += bytes.length;
    if (this.retriesLeft > 0 && this.bodyBytes <= this.bufferLimit()) { (this.body as Buffer[]).push(bytes); return; }
    this.body = null;
    this.bodyDropped = true;
    this.retriesLeft = 0;
  }

  // UpstreamUser: the connection reports to the exchange; the relay is in exchange-response.ts.
  onUpstreamHead(conn: H1UpstreamConnection, head: ResponseHead, raw: Buffer): void { onUpstreamHead(this, conn, head, raw); }
  onUpstreamBody(conn: H1UpstreamConnection, bytes: Buffer, last: boolean): void { onUpstreamBody(this, conn, bytes, last); }
  onUpstreamResponse(conn: H1UpstreamConnection, head: ResponseHead, buf: Buffer, headEnd: number, end: number): void { onUpstreamResponse(this, conn, head, buf, headEnd, end); }
  onUpstreamReadEnd(): void {
    onUpstreamReadEnd(this);
    if (!this.finished) this.dc.streamActivity(monotonicNow()); // response bytes moved: the stream is not idle
  }
  onUpstreamFailure(conn: H1UpstreamConnection, connected: boolean, malformed: boolean): void { onUpstreamFailure(this, conn, connected, malformed); }

  onUpstreamUpgraded(conn: H1UpstreamConnection, rest: Buffer | null): void {
    this.clearTimers();
    this.releaseHost();
    this.upstream = null;
    this.finish();
    this.dc.startTunnel(conn, rest);
  }

  onUpstreamDrain(): void {
    this.dc.resumeFromUpstream();
  }

  /** No activity for the stream idle timeout: 408 (flag SI) before the response started, else reset. */
  idleTimeout(): void {
    if (this.finished) return;
    this.record.addFlag("SI");
    if (this.responseStarted) {
      this.record.details = "stream_idle_timeout";
      if (this.upstream !== null) dropUpstream(this, this.upstream);
      this.dc.abort();
      this.finish();
      return;
    }
    this.localReply(408, null, "stream timeout: stream_idle_timeout");
  }

  /** Route timeout (perTry false) or per-try timeout fired. */
  timeout(perTry: boolean): void { timeout(this, perTry); }

  localReply(status: number, flag: ResponseFlag | null, details: string, extraHeaders = "", body?: Buffer): void {
    localReply(this, status, flag, details, extraHeaders, body);
  }

  grpcLocalReply(grpcStatus: number, flag: ResponseFlag, details: string): void {
    grpcLocalReply(this, grpcStatus, flag, details);
  }

  /** The client went away. */
  onDownstreamReset(): void {
    if (this.finished) return;
    this.record.addFlag("DC");
    if (this.upstream !== null) dropUpstream(this, this.upstream);
    this.finish();
  }

  /** The host's request count drops when an attempt ends. */
  releaseHost(): void {
    if (this.host !== null && this.upstream !== null) this.host.activeRequests--;
  }

  clearTryTimer(): void {
    if (this.tryTimer !== null) { clearTimeout(this.tryTimer); this.tryTimer = null; }
  }

  private clearTimers(): void {
    this.clearTryTimer();
    this.dc.routeTimeout.release(this);
    if (this.waitTimer !== null) { clearTimeout(this.waitTimer); this.waitTimer = null; }
  }

  /** `now`: a monotonic reading the caller already has (-1 = read the clock). */
  finish(now = -1): void {
    if (this.finished) return;
    this.finished = true;
    this.clearTimers();
    if (this.retryWaiting) { this.retryWaiting = false; (this.cluster as Cluster).release("retries"); }
    if (this.requestsAcquired) { (this.cluster as Cluster).release("requests"); this.requestsAcquired = false; }
    const r = this.record;
    const end = now >= 0 ? now : monotonicNow();
    r.durationMs = end - r.startMono;
    const obs = this.dc.rt.observer;
    if (obs !== undefined) obs(r);
    this.dc.exchangeDone(this, end);
  }
}
