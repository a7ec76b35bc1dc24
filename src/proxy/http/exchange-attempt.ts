// HTTP/1.1 exchange, upstream attempts: pick a host (retry host predicate), take a pooled or new
// connection under the circuit breakers, write the head and any held body; then the ways an
// attempt fails (reset, connect failure, timeouts) and the retries they may lead to.
import type { Cluster } from "../contracts.js";
import type { CompiledRoute, ForwardAction } from "../router/route.js";
import { retriableFailure, backoffMs, type RetryFailure } from "../router/retry-policy.js";
import { upstreamRequestHead } from "./h1/forward-head.js";
import { pendingWriteBytes, writeDirect } from "./h1/direct-write.js";
import { appendProxyLines } from "./h1/raw-request-head.js";
import type { H1UpstreamConnection } from "./upstream/h1-upstream-connection.js";
import { openH1ToH2Bridge } from "./h2/h1-bridge.js";
import { failLocal } from "./exchange-local-reply.js";
import type { HttpExchange } from "./exchange.js";

function onPerTryTimeout(ex: HttpExchange): void { ex.timeout(true); }
function onRetryTimer(ex: HttpExchange): void { retryNow(ex); }

/** The upstream request head (attempts and mirrors) with `host` as its Host. */
export function upstreamHead(ex: HttpExchange, host: string): string {
  const dc = ex.dc;
  return upstreamRequestHead(ex.head.headers, {
    method: ex.head.method, path: ex.upstreamPathValue, host,
    upgrade: ex.head.upgrade, requestId: ex.requestId,
    forwardedFor: dc.rt.config.useRemoteAddress ? dc.remoteAddress : "",
    forwardedProto: dc.tls ? "https" : "http",
    attemptCount: (ex.route as CompiledRoute).virtualHost.includeRequestAttemptCount ? ex.record.attempts : 0,
  });
}

/** Writes the upstream request head: the client's own bytes when they can go as they are, else the string. */
function writeRequestHead(ex: HttpExchange, conn: H1UpstreamConnection, headHost: string): boolean {
  const dc = ex.dc;
  const head = ex.head;
  const buf = dc.rawHead;
  if (dc.rawHeadOwner === ex && buf !== null && head.headers.edits === head.rawEdits && headHost === head.authority
    && ex.upstreamPathValue === head.path && !(ex.cluster as Cluster).http2 && !dc.tls && !dc.rt.config.useRemoteAddress
    && !(ex.route as CompiledRoute).virtualHost.includeRequestAttemptCount) {
    const n = appendProxyLines(buf, dc.rawHeadLen, !head.forwardedProto, ex.requestId);
    if (n > 0) {
      const ok = writeDirect(conn.socket, dc.rawHeadView(n));
      if (pendingWriteBytes(conn.socket) > 0) dc.lendReadBuffer();
      return ok;
    }
  }
  return writeDirect(conn.socket, upstreamHead(ex, headHost));
}

export function attempt(ex: HttpExchange): void {
  const cluster = ex.cluster as Cluster;
  const f = (ex.route as CompiledRoute).forward as ForwardAction;
  const avoid = f.retry?.avoidPreviousHosts === true ? ex.tried ?? undefined : undefined;
  const host = cluster.pickHost(ex.hash === undefined && avoid === undefined ? undefined
    : { hash: ex.hash, avoid, hostSelectionRetries: f.retry?.hostSelectionMaxAttempts });
  if (host === null) { failLocal(ex, 503, "UH", `no healthy upstream: ${cluster.describeNoHealthyUpstream()}`); return; }
  ex.host = host;
  ex.record.upstreamHost = host.addressPort;
  ex.record.attempts++;
  if (f.retry?.avoidPreviousHosts === true) (ex.tried ??= new Set()).add(host);
  const dc = ex.dc;
  const pool = dc.rt.pool;
  // HTTP/2-only clusters: a stream on the host's shared h2 session, bridged back to HTTP/1.1.
  let conn = cluster.http2 ? openH1ToH2Bridge(cluster, host) : pool.takeIdle(host);
  if (conn === null) {
    if (!cluster.tryAcquire("pending")) {
      failLocal(ex, 503, "UO", `upstream overflow: cluster ${cluster.name} is at its max_pending_requests circuit breaker`);
      return;
    }
    if (!cluster.tryAcquire("connections")) {
      cluster.release("pending");
      failLocal(ex, 503, "UO", `upstream overflow: cluster ${cluster.name} is at its max_connections circuit breaker`);
      return;
    }
    conn = pool.open(cluster, host);
  }
  host.activeRequests++;
  ex.upstream = conn;
  conn.begin(ex, ex.head.method === "HEAD", ex.head.upgrade !== "");
  const headHost = f.autoHostRewrite ? host.addressPort : ex.hostHeader;
  // Upstream sockets time nothing once connected (before that, writes take socket.write's path).
  let ok = writeRequestHead(ex, conn, headHost);
  if (ex.body !== null) for (const b of ex.body) ok = writeDirect(conn.socket, b);
  if (ex.requestComplete) conn.requestDone = true;
  if (!ok) dc.pauseForUpstream();
  if (f.retry !== null && f.retry.perTryTimeoutMs > 0) ex.tryTimer = setTimeout(onPerTryTimeout, f.retry.perTryTimeoutMs, ex);
}

export function onUpstreamFailure(ex: HttpExchange, conn: H1UpstreamConnection, connected: boolean, malformed: boolean): void {
  ex.clearTryTimer();
  ex.heldHead = null;
  ex.spliceHead = null;
  const cluster = ex.cluster as Cluster;
  cluster.report(conn.host, connected ? { kind: "reset" } : { kind: "connect-failure" });
  ex.releaseHost();
  ex.upstream = null;
  if (ex.responseStarted) { ex.record.addFlag("UC"); ex.dc.abort(); ex.finish(); return; }
  const kind: RetryFailure = connected ? "reset" : "connect-failure";
  const f = (ex.route as CompiledRoute).forward as ForwardAction;
  if (!malformed && f.retry !== null && canRetry(ex) && retriableFailure(f.retry, kind)) { scheduleRetry(ex); return; }
  const where = `${ex.record.upstreamHost} in cluster ${cluster.name}`;
  if (malformed) failLocal(ex, 502, "UPE", `upstream protocol error: malformed response from ${where}`);
  else if (connected) failLocal(ex, 503, "UC", `upstream connection termination: ${where} reset before the response`);
  else failLocal(ex, 503, "UF", `upstream connect failure: ${where}`);
}

/** Route timeout (perTry false) or per-try timeout fired. */
export function timeout(ex: HttpExchange, perTry: boolean): void {
  if (perTry) ex.tryTimer = null; // the route timeout has already let go of its owner
  if (ex.finished) return;
  const conn = ex.upstream;
  if (conn !== null) {
    (ex.cluster as Cluster).report(conn.host, { kind: "timeout" });
    dropUpstream(ex, conn);
  }
  const route = ex.route as CompiledRoute;
  const f = route.forward as ForwardAction;
  if (perTry && !ex.responseStarted && f.retry !== null && canRetry(ex) && retriableFailure(f.retry, "timeout")) { scheduleRetry(ex); return; }
  ex.record.addFlag("UT");
  if (ex.responseStarted) { ex.dc.abort(); ex.finish(); return; }
  const ms = perTry ? f.retry?.perTryTimeoutMs : f.timeoutMs;
  failLocal(ex, 504, null, `upstream request timeout: route "${route.name}" cluster ${(ex.cluster as Cluster).name} after ${ms ?? 0}ms`);
}

/** Retries are left and the whole request body is still at hand. */
export function canRetry(ex: HttpExchange): boolean {
  return ex.retriesLeft > 0 && !ex.bodyDropped && (ex.requestComplete || ex.body !== null);
}

/** Takes a unit of max_retries and waits the back-off before the next attempt. */
export function scheduleRetry(ex: HttpExchange): void {
  const cluster = ex.cluster as Cluster;
  const policy = ((ex.route as CompiledRoute).forward as ForwardAction).retry;
  if (policy === null || !cluster.tryAcquire("retries")) {
    failLocal(ex, 503, "URX", `retry limit: cluster ${cluster.name} is at its max_retries circuit breaker`);
    return;
  }
  ex.retriesLeft--;
  ex.retryWaiting = true;
  ex.waitTimer = setTimeout(onRetryTimer, backoffMs(policy, policy.numRetries - ex.retriesLeft), ex);
}

function retryNow(ex: HttpExchange): void {
  ex.waitTimer = null;
  ex.retryWaiting = false;
  (ex.cluster as Cluster).release("retries");
  if (!ex.finished) attempt(ex);
}

/** Abandons the attempt's connection (timeout, retry, client gone, local reply). */
export function dropUpstream(ex: HttpExchange, conn: H1UpstreamConnection): void {
  ex.releaseHost();
  ex.upstream = null;
  ex.dc.resumeFromUpstream();
  conn.abort();
}
