// One stream from an HTTP/2 client (gRPC included): routed and filtered like the HTTP/1.1
// path, forwarded over node:http2 to HTTP/2 clusters (trailers relayed) or over node:http to
// HTTP/1.1 ones. Retries apply when the request body is small enough to keep.
import { request as httpRequest, type IncomingMessage, type ClientRequest } from "node:http";
import { constants as h2c, type ServerHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ClientHttp2Stream } from "node:http2";
import { randomUUID } from "node:crypto";
import { MizzenError } from "../../../errors.js";
import type { Cluster, ConnectionInfo, ResponseFlag, UpstreamHost } from "../../contracts.js";
import type { CompiledRoute, ForwardAction } from "../../router/route.js";
import { pickClusterName, redirectLocation, upstreamPath } from "../../router/rewrite.js";
import { applyHeaderMutations } from "../../router/header-mutation.js";
import { computeHash } from "../../router/hash-policy.js";
import { retriableResponse, retriableFailure, backoffMs } from "../../router/retry-policy.js";
import { HttpRequestRecord } from "../request-record.js";
import { HeaderList } from "../header-list.js";
import { grpcMessage, grpcStatusFor } from "../local-reply.js";
import { currentRouteConfig, type HcmRuntime } from "../hcm-runtime.js";
import { FILTER_STOP, type HttpStream } from "../filters/http-filter.js";
import { h1AgentFor, h2SessionFor } from "./upstream-sessions.js";
import { isExternalRequest, trustedClientAddress } from "../trusted-client-address.js";

const RETRY_BUFFER_LIMIT = 64 * 1024;
const STREAM_RESET = new MizzenError("MIZZEN_ERR_H2_STREAM_RESET", "stream reset by the proxy after the response started");
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host", "http2-settings"]);

function onTimeout(ex: H2Exchange): void { ex.timeout(); }
function onRetry(ex: H2Exchange): void { ex.attempt(); }
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
  private cluster: Cluster | null = null;
  private host: UpstreamHost | null = null;
  private responded = false;
  private finished = false;
  private requestEnded = false;
  private body: Buffer[] | null = [];
  private bodyBytes = 0;
  private retriesLeft = 0;
  private hash: number | undefined;
  private timer: NodeJS.Timeout | null = null;
  private waitTimer: NodeJS.Timeout | null = null;
  private extraResponse: HeaderList | null = null;
  private upstream: ClientHttp2Stream | ClientRequest | null = null;
  private requestsAcquired = false;
  private readonly grpc: boolean;

  private readonly remoteAddress: string;
  private readonly tls: boolean;

  constructor(private readonly rt: HcmRuntime, private readonly stream: ServerHttp2Stream, h: IncomingHttpHeaders, readonly connection: ConnectionInfo) {
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
    r.startTime = Date.now();
    r.startMono = performance.now();
    r.method = this.method;
    r.authority = this.authority;
    r.path = this.path;
    r.protocol = "HTTP/2";
    r.downstreamRemoteAddress = connection.remoteAddress;
    r.statPrefix = rt.config.statPrefix;
    stream.on("data", (d: Buffer) => this.onRequestData(d));
    stream.on("end", () => this.onRequestEnd());
    stream.on("error", () => undefined);
    stream.on("close", () => this.onStreamClose());
    // Envoy's stream idle timer: any frame on the stream rearms it (node's stream timeout does).
    if (rt.config.streamIdleTimeoutMs > 0) {
      exchangeOf.set(stream, this);
      stream.setTimeout(rt.config.streamIdleTimeoutMs, onIdle);
    }
  }

  /** Route idle_timeout replaces the HCM's stream_idle_timeout for this stream (0 disables it). */
  private applyRouteIdleTimeout(ms: number): void {
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
  private resetStream(): void {
    if (!this.stream.destroyed) this.stream.destroy(STREAM_RESET);
  }

  /** No activity on the stream for the idle timeout: 408 before the response started, else reset. */
  idleTimeout(): void {
    if (this.finished) return;
    this.record.addFlag("SI");
    // Reset the client first: dropping the upstream can end its response, which would end ours.
    if (this.responded) { this.record.details = "stream_idle_timeout"; this.resetStream(); this.dropUpstream(); this.done(); return; }
    this.dropUpstream();
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
    this.routeRequest();
  }

  pauseFor(timer: NodeJS.Timeout): void { this.waitTimer = timer; }

  addResponseHeader(name: string, value: string): void { (this.extraResponse ??= new HeaderList()).push(name, value); }

  private routeRequest(): void {
    const route = this.route as CompiledRoute;
    if (route.direct !== null) { this.respondLocal(route.direct.status, route.direct.body, {}); return; }
    if (route.redirect !== null) {
      const loc = redirectLocation(route, route.redirect, this.tls ? "https" : "http", this.authority, this.path);
      this.respondLocal(route.redirect.status, Buffer.alloc(0), { location: loc });
      return;
    }
    const f = route.forward as ForwardAction;
    const name = pickClusterName(f, this.headers);
    const cluster = name === null ? undefined : this.rt.clusters.get(name);
    if (cluster === undefined) { this.localReply(f.clusterNotFoundStatus, "NC", `cluster not found: "${name ?? ""}" for route "${route.name}"`); return; }
    this.cluster = cluster;
    this.record.cluster = cluster.name;
    if (!cluster.tryAcquire("requests")) { this.localReply(503, "UO", `upstream overflow: cluster ${cluster.name} is at its max_requests circuit breaker`); return; }
    this.requestsAcquired = true;
    applyHeaderMutations(this.headers, route.requestHeadersToAdd, route.requestHeadersToRemove);
    if (f.hashPolicies.length > 0) {
      const q = this.path.indexOf("?");
      this.hash = computeHash(f.hashPolicies, this.headers, q < 0 ? "" : this.path.slice(q + 1), this.remoteAddress);
    }
    if (this.rt.config.generateRequestId && !this.headers.has("x-request-id")) this.headers.push("x-request-id", randomUUID());
    this.record.requestId = this.headers.get("x-request-id") ?? "";
    if (this.rt.config.useRemoteAddress) {
      const xff = this.headers.get("x-forwarded-for");
      if (isExternalRequest(xff, this.remoteAddress)) this.headers.set("x-envoy-external-address", this.record.downstreamRemoteAddress);
      this.headers.set("x-forwarded-for", xff === undefined ? this.remoteAddress : `${xff}, ${this.remoteAddress}`);
    }
    if (!this.headers.has("x-forwarded-proto")) this.headers.push("x-forwarded-proto", this.tls ? "https" : "http");
    this.retriesLeft = f.retry?.numRetries ?? 0;
    this.applyRouteIdleTimeout(f.idleTimeoutMs);
    if (f.timeoutMs > 0) this.timer = setTimeout(onTimeout, f.timeoutMs, this);
    this.attempt();
  }

  attempt(): void {
    this.waitTimer = null;
    if (this.finished) return;
    const cluster = this.cluster as Cluster;
    const route = this.route as CompiledRoute;
    const f = route.forward as ForwardAction;
    const host = cluster.pickHost(this.hash === undefined ? undefined : { hash: this.hash });
    if (host === null) { this.fail(503, "UH", `no healthy upstream: ${cluster.describeNoHealthyUpstream()}`); return; }
    this.host = host;
    this.record.upstreamHost = `${host.address}:${host.port}`;
    this.record.attempts++;
    const path = upstreamPath(route, this.path);
    const authority = f.autoHostRewrite ? `${host.address}:${host.port}` : f.hostRewrite ?? this.authority;
    if (cluster.http2) this.forwardH2(cluster, host, path, authority);
    else this.forwardH1(cluster, host, path, authority);
    const up = this.upstream;
    if (up !== null && this.body !== null) for (const b of this.body) up.write(b);
    if (up !== null && this.requestEnded) up.end();
  }

  private forwardH2(cluster: Cluster, host: UpstreamHost, path: string, authority: string): void {
    const h: OutgoingHttpHeaders = { ":method": this.method, ":path": path, ":authority": authority, ":scheme": cluster.tls ? "https" : "http" };
    this.copyHeaders(h);
    let req: ClientHttp2Stream;
    try {
      req = h2SessionFor(cluster, host).request(h, { endStream: false });
    } catch {
      this.upstreamFailed(cluster, host, false);
      return;
    }
    this.upstream = req;
    let connected = false;
    req.on("response", (rh: IncomingHttpHeaders, flags: number) => {
      connected = true;
      if (this.finished || this.upstream !== req) { req.close(h2c.NGHTTP2_CANCEL); return; }
      const status = Number(rh[":status"] ?? 502);
      if (!this.onUpstreamStatus(cluster, host, status, (n) => { const v = rh[n]; return v === undefined ? undefined : String(v); })) { req.close(h2c.NGHTTP2_CANCEL); return; }
      const out = this.responseHeaders(status, rh);
      const endStream = (flags & h2c.NGHTTP2_FLAG_END_STREAM) !== 0;
      if (!this.respond(out, endStream, !endStream)) { req.close(h2c.NGHTTP2_CANCEL); return; }
      if (endStream) { this.done(); return; }
      let trailers: OutgoingHttpHeaders | null = null;
      req.on("trailers", (t: IncomingHttpHeaders) => { trailers = { ...t }; const g = t["grpc-status"]; if (typeof g === "string") this.record.grpcStatus = g; });
      this.stream.once("wantTrailers", () => {
        if (trailers !== null) this.stream.sendTrailers(trailers);
        // Empty trailers end the stream with an empty END_STREAM DATA frame; close() would send
        // RST_STREAM instead, which some clients treat as a truncated response.
        else this.stream.sendTrailers({});
      });
      req.on("data", (d: Buffer) => { this.record.bytesSent += d.length; this.record.bodyObserver?.onResponseData(d); if (!this.stream.write(d)) { req.pause(); this.stream.once("drain", () => req.resume()); } });
      req.on("end", () => { this.stream.end(); this.done(); });
    });
    req.on("ready", () => { connected = true; });
    req.on("error", () => undefined);
    req.on("close", () => {
      if (this.upstream !== req || this.finished) return;
      if (req.rstCode === h2c.NGHTTP2_REFUSED_STREAM) { this.upstreamFailed(cluster, host, connected, true); return; }
      if (!this.responded || !req.readableEnded) this.upstreamFailed(cluster, host, connected);
    });
  }

  private forwardH1(cluster: Cluster, host: UpstreamHost, path: string, authority: string): void {
    const h: OutgoingHttpHeaders = { host: authority };
    this.copyHeaders(h);
    let req: ClientRequest;
    try {
      req = httpRequest({ host: host.address, port: host.port, method: this.method, path, headers: h, agent: h1AgentFor(cluster), protocol: cluster.tls ? "https:" : "http:" });
    } catch {
      this.fail(400, "DPE", "request headers cannot be forwarded over HTTP/1.1");
      return;
    }
    this.upstream = req;
    let connected = false;
    // A TLS upstream counts as connected only after its handshake (a refused identity is UF, not UC).
    req.on("socket", (s) => {
      if (!s.connecting && (s as { secureConnecting?: boolean }).secureConnecting !== true) connected = true;
      else s.once(cluster.tls ? "secureConnect" : "connect", () => { connected = true; });
    });
    req.on("response", (res: IncomingMessage) => {
      if (this.finished || this.upstream !== req) { res.resume(); req.destroy(); return; }
      const status = res.statusCode ?? 502;
      if (!this.onUpstreamStatus(cluster, host, status, (n) => { const v = res.headers[n]; return v === undefined ? undefined : String(v); })) { res.resume(); req.destroy(); return; }
      if (!this.respond(this.responseHeaders(status, res.headers), false, false)) { req.destroy(); return; }
      res.on("data", (d: Buffer) => { this.record.bytesSent += d.length; this.record.bodyObserver?.onResponseData(d); if (!this.stream.write(d)) { res.pause(); this.stream.once("drain", () => res.resume()); } });
      res.on("end", () => { this.stream.end(); this.done(); });
      res.on("error", () => this.upstreamFailed(cluster, host, true));
    });
    req.on("error", () => { if (this.upstream === req) this.upstreamFailed(cluster, host, connected); });
  }

  /** Sends the response head; false (and a 502 UPE or reset) when the upstream's head cannot be sent. */
  private respond(headers: OutgoingHttpHeaders, endStream: boolean, waitForTrailers: boolean): boolean {
    if (this.stream.closed || this.stream.destroyed) return false;
    try {
      this.stream.respond(headers, { endStream, waitForTrailers });
    } catch {
      this.upstream = null;
      this.fail(502, "UPE", `upstream protocol error: response head from ${this.record.upstreamHost} cannot be sent over HTTP/2`);
      return false;
    }
    this.responded = true;
    return true;
  }

  private copyHeaders(h: OutgoingHttpHeaders): void {
    const names = this.headers.names;
    for (let i = 0; i < names.length; i++) {
      const n = names[i] as string;
      if (HOP_BY_HOP.has(n) || (n === "te" && this.headers.values[i] !== "trailers")) continue;
      const prev = h[n];
      h[n] = prev === undefined ? this.headers.values[i] : `${String(prev)}, ${this.headers.values[i] as string}`;
    }
  }

  private responseHeaders(status: number, rh: IncomingHttpHeaders): OutgoingHttpHeaders {
    const list = new HeaderList();
    for (const [k, v] of Object.entries(rh)) {
      if (k.charCodeAt(0) === 58 || v === undefined || HOP_BY_HOP.has(k)) continue;
      if (Array.isArray(v)) for (const x of v) list.push(k, x); else list.push(k, String(v));
    }
    const hook = this.record.responseHeadHook;
    if (hook !== null) hook(list, this.record);
    const grpcStatus = this.grpc ? list.get("grpc-status") : undefined;
    if (grpcStatus !== undefined) this.record.grpcStatus = grpcStatus;
    const route = this.route as CompiledRoute;
    applyHeaderMutations(list, route.responseHeadersToAdd, route.responseHeadersToRemove);
    const ex = this.extraResponse;
    if (ex !== null) for (let i = 0; i < ex.length; i++) list.push(ex.names[i] as string, ex.values[i] as string);
    if (this.rt.config.serverName !== "") list.set("server", this.rt.config.serverName);
    const out: OutgoingHttpHeaders = { ":status": status };
    for (let i = 0; i < list.length; i++) {
      const k = list.names[i] as string;
      const prev = out[k];
      out[k] = prev === undefined ? list.values[i] : Array.isArray(prev) ? [...prev, list.values[i] as string] : [String(prev), list.values[i] as string];
    }
    this.record.status = status;
    return out;
  }

  /** Decides on a response head: false when it is dropped for a retry. */
  private onUpstreamStatus(cluster: Cluster, host: UpstreamHost, status: number, header: (n: string) => string | undefined): boolean {
    cluster.report(host, { kind: "response", status });
    const p = ((this.route as CompiledRoute).forward as ForwardAction).retry;
    if (p !== null && this.canRetry() && retriableResponse(p, status, header)) { this.upstream = null; this.scheduleRetry(); return false; }
    return true;
  }

  private upstreamFailed(cluster: Cluster, host: UpstreamHost, connected: boolean, refused = false): void {
    this.upstream = null;
    cluster.report(host, connected ? { kind: "reset" } : { kind: "connect-failure" });
    if (this.responded) { this.record.addFlag("UC"); this.resetStream(); this.done(); return; }
    const p = ((this.route as CompiledRoute).forward as ForwardAction).retry;
    const kind = refused ? "refused-stream" : connected ? "reset" : "connect-failure";
    if (p !== null && this.canRetry() && retriableFailure(p, kind)) { this.scheduleRetry(); return; }
    if (connected) this.fail(503, "UC", `upstream connection termination: ${this.record.upstreamHost} in cluster ${cluster.name} reset before the response`);
    else this.fail(503, "UF", `upstream connect failure: ${this.record.upstreamHost} in cluster ${cluster.name}`);
  }

  private canRetry(): boolean {
    return this.retriesLeft > 0 && this.requestEnded && this.body !== null;
  }

  private scheduleRetry(): void {
    const cluster = this.cluster as Cluster;
    const p = ((this.route as CompiledRoute).forward as ForwardAction).retry;
    if (p === null || !cluster.tryAcquire("retries")) { this.fail(503, "URX", `retry limit: cluster ${cluster.name} is at its max_retries circuit breaker`); return; }
    cluster.release("retries");
    this.retriesLeft--;
    this.waitTimer = setTimeout(onRetry, backoffMs(p, p.numRetries - this.retriesLeft), this);
  }

  private onRequestData(d: Buffer): void {
    this.record.bytesReceived += d.length;
    this.record.bodyObserver?.onRequestData(d);
    if (this.body !== null) {
      this.bodyBytes += d.length;
      if (this.bodyBytes > RETRY_BUFFER_LIMIT && this.upstream !== null) this.body = null;
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
    if (this.upstream !== null) this.upstream.end();
  }

  timeout(): void {
    this.timer = null;
    if (this.finished) return;
    this.record.addFlag("UT");
    this.dropUpstream();
    if (this.responded) { this.resetStream(); this.done(); return; }
    this.fail(504, null, `upstream request timeout: route "${(this.route as CompiledRoute).name}" cluster ${(this.cluster as Cluster).name} after ${((this.route as CompiledRoute).forward as ForwardAction).timeoutMs}ms`);
  }

  private dropUpstream(): void {
    const up = this.upstream;
    this.upstream = null;
    if (up === null) return;
    if ("rstCode" in up) up.close(h2c.NGHTTP2_CANCEL); else up.destroy();
  }

  private fail(status: number, flag: ResponseFlag | null, details: string): void {
    if (this.record.attempts > 1 && flag !== "UO" && flag !== "URX") this.record.addFlag("URX");
    this.localReply(status, flag, details);
  }

  localReply(status: number, flag: ResponseFlag | null, details: string, extraHeaders = ""): void {
    if (flag !== null) this.record.addFlag(flag);
    this.record.details = details;
    const extra: OutgoingHttpHeaders = {};
    for (const line of extraHeaders.split("\r\n")) {
      const c = line.indexOf(":");
      if (c > 0) extra[line.slice(0, c).toLowerCase()] = line.slice(c + 1).trim();
    }
    if (this.grpc && status !== 200) {
      this.grpcLocalReply(grpcStatusFor(status), flag, details);
      return;
    }
    this.respondLocal(status, Buffer.from(details), details === "" ? extra : { "content-type": "text/plain; charset=utf-8", ...extra });
  }

  grpcLocalReply(grpcStatus: number, flag: ResponseFlag | null, details: string): void {
    if (flag !== null) this.record.addFlag(flag);
    this.record.details = details;
    this.record.grpcStatus = String(grpcStatus);
    this.respondLocal(200, Buffer.alloc(0), { "content-type": "application/grpc", "grpc-status": String(grpcStatus), "grpc-message": grpcMessage(details) });
  }

  private respondLocal(status: number, body: Buffer, headers: OutgoingHttpHeaders): void {
    if (this.finished) return;
    if (this.responded) { this.resetStream(); this.done(); return; }
    this.dropUpstream();
    this.record.status = status;
    const ex = this.extraResponse;
    if (ex !== null) for (let i = 0; i < ex.length; i++) headers[ex.names[i] as string] = ex.values[i];
    this.responded = true;
    if (!this.stream.closed && !this.stream.destroyed) {
      this.stream.respond({ ":status": status, ...headers, "content-length": body.length }, { endStream: body.length === 0 || this.method === "HEAD" });
      if (body.length > 0 && this.method !== "HEAD") this.stream.end(body);
    }
    this.record.bytesSent += body.length;
    this.done();
  }

  private onStreamClose(): void {
    if (this.finished) return;
    this.record.addFlag("DC");
    this.dropUpstream();
    this.done();
  }

  private done(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.waitTimer !== null) clearTimeout(this.waitTimer);
    if (this.requestsAcquired) (this.cluster as Cluster).release("requests");
    const r = this.record;
    r.durationMs = performance.now() - r.startMono;
    this.rt.observer?.(r);
  }
}
