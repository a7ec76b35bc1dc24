// HTTP/1.1 exchange, routing: the route's action (direct response, redirect, forward), the
// cluster and its max_requests breaker, request header changes, then the first attempt.
import { newRequestId } from "./request-id.js";
import { monotonicNow } from "./request-clock.js";
import type { CompiledRoute, ForwardAction } from "../router/route.js";
import { pickClusterName, redirectLocation, upstreamPath, weightedClusterEntry } from "../router/rewrite.js";
import { applyHeaderMutations } from "../router/header-mutation.js";
import { computeHash } from "../router/hash-policy.js";
import { sendMirrors } from "./upstream/mirror.js";
import { isExternalRequest } from "./trusted-client-address.js";
import { attempt } from "./exchange-attempt.js";
import type { HttpExchange } from "./exchange.js";

/** After the filters: answer from the route, or pick the cluster and make the first attempt. */
export function routeRequest(ex: HttpExchange): void {
  const route = ex.route as CompiledRoute;
  const dc = ex.dc;
  const head = ex.head;
  if (route.direct !== null) { ex.localReply(route.direct.status, null, "", "", route.direct.body); return; }
  if (route.redirect !== null) {
    const loc = redirectLocation(route, route.redirect, dc.tls ? "https" : "http", head.authority, head.path);
    ex.localReply(route.redirect.status, null, "", `location: ${loc}\r\n`);
    return;
  }
  const f = route.forward as ForwardAction;
  const config = dc.rt.config;
  if (head.upgrade !== "" && !(head.upgrade.toLowerCase() === "websocket" && (f.websocket ?? config.websocket))) {
    ex.localReply(403, null, `upgrade to "${head.upgrade}" is not enabled for route "${route.name}"`);
    return;
  }
  if (f.idleTimeoutMs >= 0) dc.setRouteIdleTimeout(f.idleTimeoutMs);
  const name = pickClusterName(f, head.headers);
  const cluster = name === null ? undefined : dc.rt.clusters.get(name);
  if (cluster === undefined) {
    ex.localReply(f.clusterNotFoundStatus, "NC", `cluster not found: "${name ?? ""}" for route "${route.name}"`);
    return;
  }
  ex.cluster = cluster;
  ex.record.cluster = cluster.name;
  if (!cluster.tryAcquire("requests")) {
    ex.localReply(503, "UO", `upstream overflow: cluster ${cluster.name} is at its max_requests circuit breaker`);
    return;
  }
  ex.requestsAcquired = true;
  const h = head.headers;
  const wc = f.weighted === null ? undefined : weightedClusterEntry(f, cluster.name);
  if (wc !== undefined) applyHeaderMutations(h, wc.requestHeadersToAdd, wc.requestHeadersToRemove);
  if (route.requestHeadersToAdd.length > 0 || route.requestHeadersToRemove.length > 0) {
    applyHeaderMutations(h, route.requestHeadersToAdd, route.requestHeadersToRemove);
  }
  if (f.hashPolicies.length > 0) {
    const q = head.path.indexOf("?");
    ex.hash = computeHash(f.hashPolicies, h, q < 0 ? "" : head.path.slice(q + 1), dc.remoteAddress);
  }
  if (config.useRemoteAddress && isExternalRequest(h.get("x-forwarded-for"), dc.remoteAddress)) {
    h.set("x-envoy-external-address", ex.record.downstreamRemoteAddress);
  }
  if (config.generateRequestId && !h.has("x-request-id")) ex.requestId = newRequestId();
  ex.record.requestId = ex.requestId || (h.get("x-request-id") ?? "");
  ex.upstreamPathValue = upstreamPath(route, head.path);
  ex.hostHeader = f.hostRewrite ?? head.authority;
  if (f.retry !== null && f.retry.numRetries > 0) {
    ex.retriesLeft = f.retry.numRetries;
    if (!ex.requestComplete) ex.body ??= [];
  }
  // Routed in the callback that read the head (no filter paused it): the head's clock reading is now.
  if (f.timeoutMs > 0) dc.routeTimeout.arm(ex, f.timeoutMs, ex.filtersResumed ? monotonicNow() : ex.record.startMono);
  attempt(ex);
  if (f.mirrors.length > 0 && ex.requestComplete && ex.body === null) sendMirrors(ex, f);
}
