// HTTP/2 exchange, routing and attempts: the route's action, the cluster and its max_requests
// breaker, request header changes, then attempts (host pick with the retry host predicate),
// the retry decisions on a response status or a failure, and the route timeout.
import { newRequestId } from "../request-id.js";
import type { Cluster, ResponseFlag, UpstreamHost } from "../../contracts.js";
import type { CompiledRoute, ForwardAction } from "../../router/route.js";
import { pickClusterName, redirectLocation, upstreamPath } from "../../router/rewrite.js";
import { applyHeaderMutations } from "../../router/header-mutation.js";
import { computeHash } from "../../router/hash-policy.js";
import { retriableResponse, retriableFailure, backoffMs } from "../../router/retry-policy.js";
import { isExternalRequest } from "../trusted-client-address.js";
import { forwardH1, forwardH2 } from "./exchange-forward.js";
import { localReply, respondLocal } from "./exchange-local-reply.js";
import type { H2Exchange } from "./exchange.js";
import { H2_CANCEL } from "../../lazy-builtins.js";

function onTimeout(ex: H2Exchange): void { timeout(ex); }
function onRetry(ex: H2Exchange): void { attempt(ex); }

/** After the filters: answer from the route, or pick the cluster and make the first attempt. */
export function routeRequest(ex: H2Exchange): void {
  const route = ex.route as CompiledRoute;
  if (route.direct !== null) { respondLocal(ex, route.direct.status, route.direct.body, {}); return; }
  if (route.redirect !== null) {
    const loc = redirectLocation(route, route.redirect, ex.tls ? "https" : "http", ex.authority, ex.path);
    respondLocal(ex, route.redirect.status, Buffer.alloc(0), { location: loc });
    return;
  }
  const f = route.forward as ForwardAction;
  const name = pickClusterName(f, ex.headers);
  const cluster = name === null ? undefined : ex.rt.clusters.get(name);
  if (cluster === undefined) { localReply(ex, f.clusterNotFoundStatus, "NC", `cluster not found: "${name ?? ""}" for route "${route.name}"`); return; }
  ex.cluster = cluster;
  ex.record.cluster = cluster.name;
  if (!cluster.tryAcquire("requests")) { localReply(ex, 503, "UO", `upstream overflow: cluster ${cluster.name} is at its max_requests circuit breaker`); return; }
  ex.requestsAcquired = true;
  const h = ex.headers;
  const config = ex.rt.config;
  applyHeaderMutations(h, route.requestHeadersToAdd, route.requestHeadersToRemove);
  if (f.hashPolicies.length > 0) {
    const q = ex.path.indexOf("?");
    ex.hash = computeHash(f.hashPolicies, h, q < 0 ? "" : ex.path.slice(q + 1), ex.remoteAddress);
  }
  if (config.generateRequestId && !h.has("x-request-id")) h.push("x-request-id", newRequestId());
  ex.record.requestId = h.get("x-request-id") ?? "";
  if (config.useRemoteAddress) {
    const xff = h.get("x-forwarded-for");
    if (isExternalRequest(xff, ex.remoteAddress)) h.set("x-envoy-external-address", ex.record.downstreamRemoteAddress);
    h.set("x-forwarded-for", xff === undefined ? ex.remoteAddress : `${xff}, ${ex.remoteAddress}`);
  }
  if (!h.has("x-forwarded-proto")) h.push("x-forwarded-proto", ex.tls ? "https" : "http");
  ex.retriesLeft = f.retry?.numRetries ?? 0;
  ex.applyRouteIdleTimeout(f.idleTimeoutMs);
  if (f.timeoutMs > 0) ex.timer = setTimeout(onTimeout, f.timeoutMs, ex);
  attempt(ex);
}

export function attempt(ex: H2Exchange): void {
  ex.waitTimer = null;
  if (ex.finished) return;
  const cluster = ex.cluster as Cluster;
  const route = ex.route as CompiledRoute;
  const f = route.forward as ForwardAction;
  const avoid = f.retry?.avoidPreviousHosts === true ? ex.tried ?? undefined : undefined;
  const host = cluster.pickHost(ex.hash === undefined && avoid === undefined ? undefined
    : { hash: ex.hash, avoid, hostSelectionRetries: f.retry?.hostSelectionMaxAttempts });
  if (host === null) { fail(ex, 503, "UH", `no healthy upstream: ${cluster.describeNoHealthyUpstream()}`); return; }
  ex.host = host;
  ex.record.upstreamHost = host.addressPort;
  ex.record.attempts++;
  if (route.virtualHost.includeRequestAttemptCount) ex.headers.set("x-envoy-attempt-count", String(ex.record.attempts));
  if (f.retry?.avoidPreviousHosts === true) (ex.tried ??= new Set()).add(host);
  const path = upstreamPath(route, ex.path);
  const authority = f.autoHostRewrite ? host.addressPort : f.hostRewrite ?? ex.authority;
  if (cluster.http2) forwardH2(ex, cluster, host, path, authority);
  else forwardH1(ex, cluster, host, path, authority);
  const up = ex.upstream;
  if (up !== null && ex.body !== null) for (const b of ex.body) up.write(b);
  if (up !== null && ex.requestEnded) up.end();
}

/** Decides on a response head: false when it is dropped for a retry. */
export function onUpstreamStatus(ex: H2Exchange, cluster: Cluster, host: UpstreamHost, status: number, header: (n: string) => string | undefined): boolean {
  cluster.report(host, { kind: "response", status });
  const p = ((ex.route as CompiledRoute).forward as ForwardAction).retry;
  if (p !== null && canRetry(ex) && retriableResponse(p, status, header)) { ex.upstream = null; scheduleRetry(ex); return false; }
  return true;
}

export function upstreamFailed(ex: H2Exchange, cluster: Cluster, host: UpstreamHost, connected: boolean, refused = false): void {
  ex.upstream = null;
  cluster.report(host, connected ? { kind: "reset" } : { kind: "connect-failure" });
  if (ex.responded) { ex.record.addFlag("UC"); ex.resetStream(); ex.done(); return; }
  const p = ((ex.route as CompiledRoute).forward as ForwardAction).retry;
  const kind = refused ? "refused-stream" : connected ? "reset" : "connect-failure";
  if (p !== null && canRetry(ex) && retriableFailure(p, kind)) { scheduleRetry(ex); return; }
  if (connected) fail(ex, 503, "UC", `upstream connection termination: ${ex.record.upstreamHost} in cluster ${cluster.name} reset before the response`);
  else fail(ex, 503, "UF", `upstream connect failure: ${ex.record.upstreamHost} in cluster ${cluster.name}`);
}

function canRetry(ex: H2Exchange): boolean {
  return ex.retriesLeft > 0 && ex.requestEnded && ex.body !== null;
}

function scheduleRetry(ex: H2Exchange): void {
  const cluster = ex.cluster as Cluster;
  const p = ((ex.route as CompiledRoute).forward as ForwardAction).retry;
  if (p === null || !cluster.tryAcquire("retries")) { fail(ex, 503, "URX", `retry limit: cluster ${cluster.name} is at its max_retries circuit breaker`); return; }
  cluster.release("retries");
  ex.retriesLeft--;
  ex.waitTimer = setTimeout(onRetry, backoffMs(p, p.numRetries - ex.retriesLeft), ex);
}

/** The route timeout fired. */
export function timeout(ex: H2Exchange): void {
  ex.timer = null;
  if (ex.finished) return;
  ex.record.addFlag("UT");
  dropUpstream(ex);
  if (ex.responded) { ex.resetStream(); ex.done(); return; }
  const route = ex.route as CompiledRoute;
  fail(ex, 504, null, `upstream request timeout: route "${route.name}" cluster ${(ex.cluster as Cluster).name} after ${(route.forward as ForwardAction).timeoutMs}ms`);
}

/** Cancels the attempt's upstream request, if any. */
export function dropUpstream(ex: H2Exchange): void {
  const up = ex.upstream;
  ex.upstream = null;
  if (up === null) return;
  if ("rstCode" in up) up.close(H2_CANCEL); else up.destroy();
}

/** A local reply after routing picked a cluster: the last failure's flag plus URX when retries ran out. */
export function fail(ex: H2Exchange, status: number, flag: ResponseFlag | null, details: string): void {
  if (ex.record.attempts > 1 && flag !== "UO" && flag !== "URX") ex.record.addFlag("URX");
  localReply(ex, status, flag, details);
}
