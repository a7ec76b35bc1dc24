// One HTTP/1.1 request on the fast path: route it, run the filters, pick a host, forward the
// head and the body bytes, relay the response bytes back, retry or answer locally on failure.
import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import type { Cluster, ConnectionInfo, ResponseFlag, UpstreamHost } from "../contracts.js";
import type { CompiledRoute, ForwardAction } from "../router/route.js";
import { pickClusterName, redirectLocation, upstreamPath, weightedClusterEntry } from "../router/rewrite.js";
import { applyHeaderMutations } from "../router/header-mutation.js";
import { computeHash } from "../router/hash-policy.js";
import { retriableResponse, retriableFailure, backoffMs, type RetryFailure } from "../router/retry-policy.js";
import { HttpRequestRecord } from "./request-record.js";
import { HeaderList } from "./header-list.js";
import { grpcMessage, h1LocalReply } from "./local-reply.js";
import { currentRouteConfig } from "./hcm-runtime.js";
import { FILTER_STOP, type HttpStream } from "./filters/http-filter.js";
import { upstreamRequestHead, downstreamResponseHead } from "./h1/forward-head.js";
import type { RequestHead } from "./h1/request-head.js";
import type { ResponseHead } from "./h1/response-head.js";
import type { H1UpstreamConnection, UpstreamUser } from "./upstream/h1-upstream-connection.js";
import type { H1Downstream } from "./h1/downstream.js";
import { sendMirrors } from "./upstream/mirror.js";
import { isExternalRequest, trustedClientAddress } from "./trusted-client-address.js";
import { DEFAULT_BUFFER_LIMIT_BYTES } from "./h1/buffer-limit.js";
import { openH1ToH2Bridge } from "./h2/h1-bridge.js";


function onRouteTimeout(ex: HttpExchange): void { ex.timeout(false); }

/** One write for a response head and its first body bytes: a single Buffer when they are adjacent in the read. */
function writeHeadAndBody(socket: Socket, head: Buffer | string, body: Buffer): boolean {
  if (typeof head !== "string" && head.buffer === body.buffer && head.byteOffset + head.length === body.byteOffset) {
    return socket.write(Buffer.from(head.buffer, head.byteOffset, head.length + body.length));
  }
  socket.cork();
  if (typeof head === "string") socket.write(head, "latin1"); else socket.write(head);
  const ok = socket.write(body);
  socket.uncork();
  return ok;
}
function onPerTryTimeout(ex: HttpExchange): void { ex.timeout(true); }
function onRetryTimer(ex: HttpExchange): void { ex.retryNow(); }

export class HttpExchange implements HttpStream, UpstreamUser {
  readonly record = new HttpRequestRecord();
  route: CompiledRoute | null = null;
  cluster: Cluster | null = null;
  host: UpstreamHost | null = null;
  upstream: H1UpstreamConnection | null = null;
  /** Bytes of the response already went to the client: no local reply or retry any more. */
  responseStarted = false;
  requestComplete: boolean;
  finished = false;
  private body: Buffer[] | null = null;
  private bodyBytes = 0;
  private bodyDropped = false;
  private retriesLeft = 0;
  /** A retry back-off timer holds a unit of the cluster's max_retries. */
  private retryWaiting = false;
  private hash: number | undefined = undefined;
  private tried: Set<UpstreamHost> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private tryTimer: NodeJS.Timeout | null = null;
  private waitTimer: NodeJS.Timeout | null = null;
  private extraResponse: HeaderList | null = null;
  private requestsAcquired = false;
  private requestId = "";
  private upstreamPathValue = "";
  private hostHeader = "";

  readonly peerSocket: Socket;
  /** The response head, held until the body bytes of the same upstream read (one write for both). */
  private heldHead: Buffer | string | null = null;

  constructor(readonly dc: H1Downstream, readonly head: RequestHead, bodyless: boolean) {
    this.requestComplete = bodyless;
    this.peerSocket = dc.socket;
    const r = this.record;
    r.startTime = Date.now();
    r.startMono = performance.now();
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
    this.waitTimer = null;
    if (this.finished) return;
    const filters = this.dc.rt.config.filters;
    for (let i = from; i < filters.length; i++) {
      if ((filters[i] as (typeof filters)[number]).onRequest(this, i) === FILTER_STOP) return;
    }
    this.routeRequest();
  }

  pauseFor(timer: NodeJS.Timeout): void {
    this.waitTimer = timer;
  }

  addResponseHeader(name: string, value: string): void {
    (this.extraResponse ??= new HeaderList()).push(name, value);
  }

  private routeRequest(): void {
    const route = this.route as CompiledRoute;
    if (route.direct !== null) { this.localReply(route.direct.status, null, "", "", route.direct.body); return; }
    if (route.redirect !== null) {
      const loc = redirectLocation(route, route.redirect, this.dc.tls ? "https" : "http", this.head.authority, this.head.path);
      this.localReply(route.redirect.status, null, "", `location: ${loc}\r\n`);
      return;
    }
    const f = route.forward as ForwardAction;
    if (this.head.upgrade !== "" && !(this.head.upgrade.toLowerCase() === "websocket" && (f.websocket ?? this.dc.rt.config.websocket))) {
      this.localReply(403, null, `upgrade to "${this.head.upgrade}" is not enabled for route "${route.name}"`);
      return;
    }
    if (f.idleTimeoutMs >= 0) this.dc.setRouteIdleTimeout(f.idleTimeoutMs);
    const name = pickClusterName(f, this.head.headers);
    const cluster = name === null ? undefined : this.dc.rt.clusters.get(name);
    if (cluster === undefined) {
      this.localReply(f.clusterNotFoundStatus, "NC", `cluster not found: "${name ?? ""}" for route "${route.name}"`);
      return;
    }
    this.cluster = cluster;
    this.record.cluster = cluster.name;
    if (!cluster.tryAcquire("requests")) {
      this.localReply(503, "UO", `upstream overflow: cluster ${cluster.name} is at its max_requests circuit breaker`);
      return;
    }
    this.requestsAcquired = true;
    const h = this.head.headers;
    const wc = f.weighted === null ? undefined : weightedClusterEntry(f, cluster.name);
    if (wc !== undefined) applyHeaderMutations(h, wc.requestHeadersToAdd, wc.requestHeadersToRemove);
    if (route.requestHeadersToAdd.length > 0 || route.requestHeadersToRemove.length > 0) {
      applyHeaderMutations(h, route.requestHeadersToAdd, route.requestHeadersToRemove);
    }
    if (f.hashPolicies.length > 0) {
      const q = this.head.path.indexOf("?");
      this.hash = computeHash(f.hashPolicies, h, q < 0 ? "" : this.head.path.slice(q + 1), this.dc.remoteAddress);
    }
    if (this.dc.rt.config.useRemoteAddress && isExternalRequest(h.get("x-forwarded-for"), this.dc.remoteAddress)) {
      h.set("x-envoy-external-address", this.record.downstreamRemoteAddress);
    }
    if (this.dc.rt.config.generateRequestId && !h.has("x-request-id")) this.requestId = randomUUID();
    this.record.requestId = this.requestId || (h.get("x-request-id") ?? "");
    this.upstreamPathValue = upstreamPath(route, this.head.path);
    this.hostHeader = f.hostRewrite ?? this.head.authority;
    if (f.retry !== null && f.retry.numRetries > 0) {
      this.retriesLeft = f.retry.numRetries;
      if (!this.requestComplete) this.body ??= [];
    }
    if (f.timeoutMs > 0) this.timer = setTimeout(onRouteTimeout, f.timeoutMs, this);
    this.attempt();
    if (f.mirrors.length > 0 && this.requestComplete && this.body === null) sendMirrors(this, f);
  }

  /** Upstream head for mirrors and attempts. */
  upstreamHead(host: string): string {
    const dc = this.dc;
    return upstreamRequestHead(this.head.headers, {
      method: this.head.method, path: this.upstreamPathValue, host,
      upgrade: this.head.upgrade, requestId: this.requestId,
      forwardedFor: dc.rt.config.useRemoteAddress ? dc.remoteAddress : "",
      forwardedProto: dc.tls ? "https" : "http",
    });
  }

  private attempt(): void {
    const cluster = this.cluster as Cluster;
    const f = (this.route as CompiledRoute).forward as ForwardAction;
    const avoid = f.retry?.avoidPreviousHosts === true ? this.tried ?? undefined : undefined;
    const host = cluster.pickHost(this.hash === undefined && avoid === undefined ? undefined
      : { hash: this.hash, avoid, hostSelectionRetries: f.retry?.hostSelectionMaxAttempts });
    if (host === null) { this.failLocal(503, "UH", `no healthy upstream: ${cluster.describeNoHealthyUpstream()}`); return; }
    this.host = host;
    this.record.upstreamHost = `${host.address}:${host.port}`;
    this.record.attempts++;
    if (f.retry?.avoidPreviousHosts === true) (this.tried ??= new Set()).add(host);
    const pool = this.dc.rt.pool;
    // HTTP/2-only clusters: a stream on the host's shared h2 session, bridged back to HTTP/1.1.
    let conn = cluster.http2 ? openH1ToH2Bridge(cluster, host) : pool.takeIdle(host);
    if (conn === null) {
      if (!cluster.tryAcquire("pending")) {
        this.failLocal(503, "UO", `upstream overflow: cluster ${cluster.name} is at its max_pending_requests circuit breaker`);
        return;
      }
      if (!cluster.tryAcquire("connections")) {
        cluster.release("pending");
        this.failLocal(503, "UO", `upstream overflow: cluster ${cluster.name} is at its max_connections circuit breaker`);
        return;
      }
      conn = pool.open(cluster, host);
    }
    host.activeRequests++;
    this.upstream = conn;
    conn.begin(this, this.head.method === "HEAD");
    const headHost = f.autoHostRewrite ? `${host.address}:${host.port}` : this.hostHeader;
    let ok = conn.socket.write(this.upstreamHead(headHost), "latin1");
    if (this.body !== null) for (const b of this.body) ok = conn.socket.write(b);
    if (this.requestComplete) conn.requestDone = true;
    if (!ok) this.dc.pauseForUpstream();
    if (f.retry !== null && f.retry.perTryTimeoutMs > 0) this.tryTimer = setTimeout(onPerTryTimeout, f.retry.perTryTimeoutMs, this);
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
    if (last) this.requestComplete = true;
    if (up === null) return;
    if (!up.socket.write(bytes)) this.dc.pauseForUpstream();
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

  onUpstreamHead(conn: H1UpstreamConnection, head: ResponseHead, raw: Buffer): void {
    if (head.status < 200) {
      if (head.status === 101 || this.head.expectContinue || head.status === 103) this.dc.socket.write(raw);
      return;
    }
    this.clearTryTimer();
    const cluster = this.cluster as Cluster;
    const f = (this.route as CompiledRoute).forward as ForwardAction;
    cluster.report(conn.host, { kind: "response", status: head.status });
    if (f.retry !== null && this.canRetry() && retriableResponse(f.retry, head.status, (n) => head.headers.get(n))) {
      this.dropUpstream(conn);
      this.scheduleRetry();
      return;
    }
    this.responseStarted = true;
    this.record.status = head.status;
    const hook = this.record.responseHeadHook;
    if (hook !== null) hook(head.headers, this.record);
    const route = this.route as CompiledRoute;
    const dc = this.dc;
    const close = head.close || this.head.close || dc.draining || !this.requestComplete;
    if (close) dc.closeAfterResponse = true;
    let out: Buffer | string = raw;
    if (head.hopByHop || close || this.head.version === 10 || this.extraResponse !== null || hook !== null || dc.rt.config.serverName !== ""
      || route.responseHeadersToAdd.length > 0 || route.responseHeadersToRemove.length > 0) {
      if (route.responseHeadersToAdd.length > 0 || route.responseHeadersToRemove.length > 0) {
        applyHeaderMutations(head.headers, route.responseHeadersToAdd, route.responseHeadersToRemove);
      }
      const extra = this.extraResponse;
      if (extra !== null) for (let i = 0; i < extra.length; i++) head.headers.push(extra.names[i] as string, extra.values[i] as string);
      out = downstreamResponseHead(head, dc.rt.config.serverName, close, this.head.version === 10 && !close);
    }
    this.record.bytesSent += out.length;
    this.heldHead = out;
  }

  onUpstreamBody(conn: H1UpstreamConnection, bytes: Buffer, last: boolean): void {
    if (bytes.length > 0) {
      this.record.bytesSent += bytes.length;
      const head = this.heldHead;
      let ok: boolean;
      if (head === null) ok = this.dc.socket.write(bytes);
      else {
        this.heldHead = null;
        ok = writeHeadAndBody(this.dc.socket, head, bytes);
      }
      if (!ok) conn.socket.pause();
    }
    if (!last) return;
    this.onUpstreamReadEnd();
    this.releaseHost();
    this.upstream = null;
    conn.done();
    this.finish();
  }

  onUpstreamReadEnd(): void {
    const head = this.heldHead;
    if (head === null) return;
    this.heldHead = null;
    if (typeof head === "string") this.dc.socket.write(head, "latin1");
    else this.dc.socket.write(head);
  }

  onUpstreamFailure(conn: H1UpstreamConnection, connected: boolean, malformed: boolean): void {
    this.clearTryTimer();
    this.heldHead = null;
    const cluster = this.cluster as Cluster;
    cluster.report(conn.host, connected ? { kind: "reset" } : { kind: "connect-failure" });
    this.releaseHost();
    this.upstream = null;
    if (this.responseStarted) { this.record.addFlag("UC"); this.dc.abort(); this.finish(); return; }
    const kind: RetryFailure = connected ? "reset" : "connect-failure";
    const f = (this.route as CompiledRoute).forward as ForwardAction;
    if (!malformed && f.retry !== null && this.canRetry() && retriableFailure(f.retry, kind)) { this.scheduleRetry(); return; }
    if (malformed) this.failLocal(502, "UPE", `upstream protocol error: malformed response from ${this.record.upstreamHost} in cluster ${cluster.name}`);
    else if (connected) this.failLocal(503, "UC", `upstream connection termination: ${this.record.upstreamHost} in cluster ${cluster.name} reset before the response`);
    else this.failLocal(503, "UF", `upstream connect failure: ${this.record.upstreamHost} in cluster ${cluster.name}`);
  }

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
      if (this.upstream !== null) this.dropUpstream(this.upstream);
      this.dc.abort();
      this.finish();
      return;
    }
    this.localReply(408, null, "stream timeout: stream_idle_timeout");
  }

  /** Route timeout (perTry false) or per-try timeout fired. */
  timeout(perTry: boolean): void {
    if (perTry) this.tryTimer = null; else this.timer = null;
    if (this.finished) return;
    const conn = this.upstream;
    if (conn !== null) {
      (this.cluster as Cluster).report(conn.host, { kind: "timeout" });
      this.dropUpstream(conn);
    }
    const f = (this.route as CompiledRoute).forward as ForwardAction;
    if (perTry && !this.responseStarted && f.retry !== null && this.canRetry() && retriableFailure(f.retry, "timeout")) { this.scheduleRetry(); return; }
    this.record.addFlag("UT");
    if (this.responseStarted) { this.dc.abort(); this.finish(); return; }
    const ms = perTry ? f.retry?.perTryTimeoutMs : f.timeoutMs;
    this.failLocal(504, null, `upstream request timeout: route "${(this.route as CompiledRoute).name}" cluster ${(this.cluster as Cluster).name} after ${ms ?? 0}ms`);
  }

  private canRetry(): boolean {
    return this.retriesLeft > 0 && !this.bodyDropped && (this.requestComplete || this.body !== null);
  }

  private scheduleRetry(): void {
    const cluster = this.cluster as Cluster;
    const policy = ((this.route as CompiledRoute).forward as ForwardAction).retry;
    if (policy === null || !cluster.tryAcquire("retries")) {
      this.failLocal(503, "URX", `retry limit: cluster ${cluster.name} is at its max_retries circuit breaker`);
      return;
    }
    this.retriesLeft--;
    this.retryWaiting = true;
    const attempt = policy.numRetries - this.retriesLeft;
    this.waitTimer = setTimeout(onRetryTimer, backoffMs(policy, attempt), this);
  }

  retryNow(): void {
    this.waitTimer = null;
    this.retryWaiting = false;
    (this.cluster as Cluster).release("retries");
    if (!this.finished) this.attempt();
  }

  private dropUpstream(conn: H1UpstreamConnection): void {
    this.releaseHost();
    this.upstream = null;
    this.dc.resumeFromUpstream();
    conn.abort();
  }

  private releaseHost(): void {
    if (this.host !== null && this.upstream !== null) this.host.activeRequests--;
  }

  /** A local reply after routing picked a cluster: the last failure's flag plus URX when retries ran out. */
  private failLocal(status: number, flag: ResponseFlag | null, details: string): void {
    if (this.record.attempts > 1 && flag !== "UO") this.record.addFlag("URX");
    this.localReply(status, flag, details);
  }

  localReply(status: number, flag: ResponseFlag | null, details: string, extraHeaders = "", body?: Buffer): void {
    if (this.finished) return;
    if (this.responseStarted) { this.dc.abort(); this.finish(); return; }
    if (flag !== null) this.record.addFlag(flag);
    this.record.details = details;
    this.record.status = status;
    if (this.upstream !== null) this.dropUpstream(this.upstream);
    const close = !this.requestComplete || this.head.close || this.dc.draining;
    if (close) this.dc.closeAfterResponse = true;
    let extra = extraHeaders;
    const ex = this.extraResponse;
    if (ex !== null) for (let i = 0; i < ex.length; i++) extra += `${ex.names[i] as string}: ${ex.values[i] as string}\r\n`;
    const head = this.head.method === "HEAD";
    const out = h1LocalReply(status, body ?? details, close, extra, head);
    this.record.bytesSent += out.length;
    this.responseStarted = true;
    this.dc.socket.write(out);
    this.finish();
  }

  grpcLocalReply(grpcStatus: number, flag: ResponseFlag, details: string): void {
    this.localReply(200, flag, "", `content-type: application/grpc\r\ngrpc-status: ${grpcStatus}\r\ngrpc-message: ${grpcMessage(details)}\r\n`);
  }

  /** The client went away. */
  onDownstreamReset(): void {
    if (this.finished) return;
    this.record.addFlag("DC");
    if (this.upstream !== null) this.dropUpstream(this.upstream);
    this.finish();
  }

  private clearTryTimer(): void {
    if (this.tryTimer !== null) { clearTimeout(this.tryTimer); this.tryTimer = null; }
  }

  private clearTimers(): void {
    this.clearTryTimer();
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    if (this.waitTimer !== null) { clearTimeout(this.waitTimer); this.waitTimer = null; }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.clearTimers();
    if (this.retryWaiting) { this.retryWaiting = false; (this.cluster as Cluster).release("retries"); }
    if (this.requestsAcquired) { (this.cluster as Cluster).release("requests"); this.requestsAcquired = false; }
    const r = this.record;
    r.durationMs = performance.now() - r.startMono;
    const obs = this.dc.rt.observer;
    if (obs !== undefined) obs(r);
    this.dc.exchangeDone(this);
  }
}
