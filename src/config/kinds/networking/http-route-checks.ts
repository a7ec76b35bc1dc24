// Istio's semantic checks for one VirtualService HTTP route (pkg/config/validation/virtualservice.go).
import { checkDns1123Label, checkIstioDuration, checkRe2, parseDurationMs, type StringMatch } from "../../schema/index.js";
import { checkDestination, checkGatewayNames, checkHeaderName, checkHeaders, checkPort } from "./checks.js";
import type { Scope } from "./scope.js";
import type { HTTPRoute } from "./virtual-service-schema.js";

const retryOnPolicies = new Set([
  "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "retriable-4xx", "refused-stream",
  "retriable-status-codes", "retriable-headers", "envoy-ratelimited", "http3-post-connect-failure",
  "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable",
]);

const grpcStatuses = new Set([
  "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE",
  "DATA_LOSS", "UNAUTHENTICATED",
]);

const corsMethods = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "*"]);

/** Status codes Go's net/http knows (Istio accepts a numeric retryOn entry only if it is one of these). */
function isKnownHttpStatus(n: number): boolean {
  return (
    (n >= 100 && n <= 103) || (n >= 200 && n <= 208) || n === 226 || (n >= 300 && n <= 308 && n !== 306) ||
    (n >= 400 && n <= 418) || (n >= 421 && n <= 426) || n === 428 || n === 429 || n === 431 || n === 451 ||
    (n >= 500 && n <= 508) || n === 510 || n === 511
  );
}

export function isJwtClaimHeader(name: string): boolean {
  return name.startsWith("@request.auth.claims.") || name.startsWith("@request.auth.claims[");
}

function checkStringMatch(scope: Scope, m: StringMatch | undefined, emptyPrefixIsError: boolean): void {
  if (!m) return;
  if (emptyPrefixIsError && m.prefix === "") scope.error("prefix string match should not be empty", "prefix");
  if (m.regex === "") scope.error("regex string match should not be empty", "regex");
}

function duration(scope: Scope, value: string | undefined, ...segments: (string | number)[]): void {
  if (value !== undefined) scope.check(checkIstioDuration(value), ...segments);
}

export function checkHttpRoute(s: Scope, r: HTTPRoute, isDelegate: boolean): void {
  checkConflicts(s, r, isDelegate);
  (r.match ?? []).forEach((m, i) => {
    const ms = s.at("match", i);
    for (const [name, sm] of Object.entries(m.headers ?? {})) {
      if (!isJwtClaimHeader(name) && !name.startsWith(":")) ms.check(checkHeaderName(name), "headers", name);
      checkStringMatch(ms.at("headers", name), sm, true);
    }
    for (const [name, sm] of Object.entries(m.withoutHeaders ?? {})) {
      if (!isJwtClaimHeader(name) && !name.startsWith(":")) ms.check(checkHeaderName(name), "withoutHeaders", name);
      checkStringMatch(ms.at("withoutHeaders", name), sm, true);
    }
    checkStringMatch(ms.at("uri"), m.uri, false);
    checkStringMatch(ms.at("scheme"), m.scheme, true);
    checkStringMatch(ms.at("method"), m.method, true);
    checkStringMatch(ms.at("authority"), m.authority, true);
    for (const [name, sm] of Object.entries(m.queryParams ?? {})) checkStringMatch(ms.at("queryParams", name), sm, true);
    if (m.port !== undefined && m.port !== 0) checkPort(ms, m.port, "port");
    checkGatewayNames(ms.at("gateways"), m.gateways);
    if (m.sourceNamespace && checkDns1123Label(m.sourceNamespace)) ms.error(`sourceNamespace "${m.sourceNamespace}" is not a valid namespace`, "sourceNamespace");
  });
  checkHeaders(s.at("headers"), r.headers);
  checkAuthorityRewrite(s, r);
  checkCors(s.at("corsPolicy"), r.corsPolicy);
  checkFault(s.at("fault"), r.fault);
  if (r.mirrorPercent !== undefined) {
    if (r.mirrorPercent > 100) s.error(`mirrorPercent must be at most 100 (it is ${r.mirrorPercent})`, "mirrorPercent");
    s.warn('"mirrorPercent" is deprecated, use "mirrorPercentage"', "mirrorPercent");
  }
  checkDestination(s.at("mirror"), r.mirror);
  (r.mirrors ?? []).forEach((m, i) => checkDestination(s.at("mirrors", i, "destination"), m.destination));
  checkRedirect(s, r);
  checkDirectResponse(s, r);
  checkRetries(s.at("retries"), r.retries);
  checkRewrite(s.at("rewrite"), r.rewrite);
  const route = r.route ?? [];
  let total = 0;
  route.forEach((d, i) => {
    checkHeaders(s.at("route", i, "headers"), d.headers);
    checkDestination(s.at("route", i, "destination"), d.destination);
    if ((d.weight ?? 0) < 0) s.error(`weight ${d.weight ?? 0} < 0`, "route", i, "weight");
    total += d.weight ?? 0;
  });
  if (route.length > 1 && total === 0) s.error("total destination weight = 0: at least one destination needs a weight", "route");
  duration(s, r.timeout, "timeout");
}

function checkConflicts(s: Scope, r: HTTPRoute, isDelegate: boolean): void {
  const hasRoute = (r.route ?? []).length > 0;
  if (r.delegate && !isDelegate) {
    if (r.redirect) s.error("a route with delegate must not specify redirect", "redirect");
    if (r.route) s.error("a route with delegate must not specify route", "route");
    if (!r.delegate.name) s.error("delegate name is required", "delegate");
    return;
  }
  if (isDelegate && r.delegate) s.error("a delegate VirtualService's routes cannot delegate again", "delegate");
  if (r.redirect) {
    if (hasRoute) s.error("HTTP route cannot contain both route and redirect", "redirect");
    if (r.fault) s.error("HTTP route cannot contain both fault and redirect", "fault");
    if (r.rewrite) s.error("HTTP route cannot contain both rewrite and redirect", "rewrite");
    if (r.directResponse) s.error("HTTP route cannot contain both directResponse and redirect", "directResponse");
  } else if (r.directResponse) {
    if (hasRoute) s.error("HTTP route cannot contain both route and directResponse", "directResponse");
    if (r.fault) s.error("HTTP route cannot contain both fault and directResponse", "fault");
    if (r.rewrite) s.error("HTTP route cannot contain both rewrite and directResponse", "rewrite");
  } else if (!hasRoute) {
    s.error("HTTP route needs one of route, redirect or directResponse");
  }
  if (r.mirror && (r.mirrors ?? []).length > 0) s.error("HTTP route cannot contain both mirror and mirrors", "mirror");
}

function checkAuthorityRewrite(s: Scope, r: HTTPRoute): void {
  let current = r.rewrite?.authority ?? "";
  const req = r.headers?.request;
  for (const op of ["set", "add"] as const) {
    for (const [k, v] of Object.entries(req?.[op] ?? {})) {
      const l = k.toLowerCase();
      if (l !== ":authority" && l !== "host") continue;
      if (current !== "") s.error(`authority header cannot be set multiple times: have "${current}", attempting to set "${v}"`, "headers", "request", op, k);
      current = v;
    }
  }
}

function checkCors(s: Scope, c: HTTPRoute["corsPolicy"]): void {
  if (!c) return;
  if (c.allowOrigin) s.warn('"allowOrigin" is deprecated, use "allowOrigins" (a list of string matches)', "allowOrigin");
  (c.allowOrigins ?? []).forEach((o, i) => {
    const value = o.exact ?? o.prefix ?? o.regex ?? "";
    if (value === "") s.error("an allowOrigins entry needs a non-empty exact, prefix or regex", "allowOrigins", i);
  });
  (c.allowMethods ?? []).forEach((m, i) => {
    if (!corsMethods.has(m)) s.error(`"${m}" is not a supported HTTP method`, "allowMethods", i);
  });
  for (const field of ["allowHeaders", "exposeHeaders"] as const) {
    (c[field] ?? []).forEach((h, i) => {
      if (h !== "*") s.check(checkHeaderName(h), field, i);
    });
  }
  if (c.maxAge !== undefined) {
    duration(s, c.maxAge, "maxAge");
    const ms = parseDurationMs(c.maxAge);
    if (ms !== undefined && ms % 1000 !== 0) s.error("maxAge is accurate only to seconds precision", "maxAge");
  }
}

function checkPercentage(s: Scope, p: { value?: number | undefined } | undefined): void {
  const v = p?.value;
  if (v !== undefined && v > 0 && v < 0.0001) s.error(`percentage ${v} is neither 0 nor in range [0.0001, 100]`, "percentage", "value");
}

function checkFault(s: Scope, f: HTTPRoute["fault"]): void {
  if (!f) return;
  if (!f.abort && !f.delay) s.error("HTTP fault injection must have an abort and/or a delay");
  if (f.abort) {
    const a = s.at("abort");
    checkPercentage(a, f.abort.percentage);
    if (f.abort.grpcStatus !== undefined) {
      if (!grpcStatuses.has(f.abort.grpcStatus)) a.error(`gRPC status "${f.abort.grpcStatus}" is not supported; use a code name such as "NOT_FOUND"`, "grpcStatus");
    } else if (f.abort.http2Error !== undefined) {
      a.error("HTTP/2 abort fault injection is not supported yet", "http2Error");
    } else if (f.abort.httpStatus !== undefined) {
      if (f.abort.httpStatus < 200 || f.abort.httpStatus > 599) a.error(`HTTP status ${f.abort.httpStatus} is not in range 200-599`, "httpStatus");
    } else {
      a.warn("abort configured, but no httpStatus, grpcStatus or http2Error set");
    }
  }
  if (f.delay) {
    const d = s.at("delay");
    checkPercentage(d, f.delay.percentage);
    if (f.delay.percent !== undefined) {
      d.warn('"percent" is deprecated, use "percentage"', "percent");
      if (f.delay.percent < 0 || f.delay.percent > 100) d.error(`percentage ${f.delay.percent} is not in range 0..100`, "percent");
    }
    if (f.delay.fixedDelay !== undefined) duration(d, f.delay.fixedDelay, "fixedDelay");
    else if (f.delay.exponentialDelay !== undefined) {
      duration(d, f.delay.exponentialDelay, "exponentialDelay");
      d.error("exponentialDelay is not supported yet", "exponentialDelay");
    } else d.warn("delay configured, but no fixedDelay set");
  }
}

function checkRedirect(s: Scope, r: HTTPRoute): void {
  const red = r.redirect;
  if (!red) return;
  const rs = s.at("redirect");
  if (red.uri && red.prefixRewrite) rs.error("redirect may only specify one of uri or prefixRewrite", "prefixRewrite");
  if (red.prefixRewrite) {
    (r.match ?? []).forEach((m, i) => {
      if (m.uri && m.uri.prefix === undefined) s.error("redirect prefixRewrite requires all URI matches to use prefix match", "match", i, "uri");
    });
  }
  if (!red.uri && !red.prefixRewrite && !red.authority && red.port === undefined && red.derivePort === undefined && !red.scheme) {
    rs.error("redirect must specify uri, authority, scheme, or port");
  }
  if (red.redirectCode !== undefined && red.redirectCode !== 0 && (red.redirectCode < 300 || red.redirectCode > 399)) {
    rs.error(`${red.redirectCode} is not a valid redirect code, must be 3xx`, "redirectCode");
  }
  if (red.scheme && red.scheme !== "http" && red.scheme !== "https") rs.error('invalid redirect scheme, must be "http" or "https"', "scheme");
  if (red.port !== undefined && red.port > 0) checkPort(rs, red.port, "port");
}

function checkDirectResponse(s: Scope, r: HTTPRoute): void {
  const dr = r.directResponse;
  if (!dr) return;
  const size = Buffer.byteLength(dr.body?.string ?? dr.body?.bytes ?? "");
  if (size > 1024 * 1024) s.error("directResponse body must be less than 1MB", "directResponse", "body");
  else if (size > 100 * 1024) s.warn("large directResponse bodies may impact control plane performance", "directResponse", "body");
  if (dr.status < 200 || dr.status > 599) s.error(`HTTP status ${dr.status} is not in range 200-599`, "directResponse", "status");
}

function checkRetries(s: Scope, r: HTTPRoute["retries"]): void {
  if (!r) return;
  const attempts = r.attempts ?? 0;
  if (attempts < 0) s.error("attempts cannot be negative", "attempts");
  if (attempts === 0 && (r.perTryTimeout !== undefined || (r.retryOn ?? "") !== "" || r.retryRemoteLocalities !== undefined)) {
    s.error("retry policy configured while attempts is 0 (retries disabled)", "attempts");
  }
  duration(s, r.perTryTimeout, "perTryTimeout");
  duration(s, r.backoff, "backoff");
  if (r.retryOn) {
    for (const policy of r.retryOn.split(",")) {
      const asNumber = /^\d+$/.test(policy) ? Number(policy) : NaN;
      if (!retryOnPolicies.has(policy) && !isKnownHttpStatus(asNumber)) s.error(`"${policy}" is not a valid retryOn policy`, "retryOn");
    }
  }
}

function checkRewrite(s: Scope, rw: HTTPRoute["rewrite"]): void {
  if (!rw) return;
  if (rw.uri && rw.uriRegexRewrite) s.error("rewrite may only contain one of uri or uriRegexRewrite", "uriRegexRewrite");
  if (!rw.uri && !rw.uriRegexRewrite && !rw.authority) s.error("rewrite must specify at least one of uri, uriRegexRewrite or authority");
  const rr = rw.uriRegexRewrite;
  if (rr) {
    if (!rr.match || !rr.rewrite) s.error("uriRegexRewrite requires both match and rewrite", "uriRegexRewrite");
    if (rr.match) s.check(checkRe2(rr.match), "uriRegexRewrite", "match");
  }
}
