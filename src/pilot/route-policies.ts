// Route-level policies from a VirtualService HTTPRoute: retries (Istio's default when unset),
// fault injection, CORS, header operations and mirroring.
import type { Headers, HTTPRoute } from "../config/kinds/networking/index.js";
import type { MeshConfig } from "../config/mesh/index.js";
import { CORS_POLICY_TYPE, envoyDuration, FAULT_TYPE, fractionalPercent, PREVIOUS_HOSTS_TYPE, type EnvoyJson } from "./envoy.js";

export const DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

/**
 * Envoy's retry_policy for an HTTPRoute's retries; Istio's default (2 attempts, DEFAULT_RETRY_ON,
 * retriable status 503, previous-hosts predicate, 5 host selection attempts) when unset, and none
 * when attempts is 0.
 */
export function retryPolicy(retries: HTTPRoute["retries"], mesh: MeshConfig): EnvoyJson | undefined {
  const fallback = mesh.defaultHttpRetryPolicy;
  const attempts = retries?.attempts ?? fallback?.attempts ?? 2;
  if (attempts <= 0) return undefined;
  const retryOn = retries?.retryOn ?? fallback?.retryOn ?? DEFAULT_RETRY_ON;
  const on: string[] = [];
  const codes: number[] = [];
  for (const part of retryOn.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    const n = Number(part);
    if (Number.isInteger(n) && n >= 100 && n <= 599) codes.push(n);
    else if (!on.includes(part)) on.push(part);
  }
  if (codes.length > 0 && !on.includes("retriable-status-codes")) on.push("retriable-status-codes");
  if (codes.length === 0 && on.includes("retriable-status-codes")) codes.push(503);
  const out: EnvoyJson = { retry_on: on.join(","), num_retries: attempts };
  if (codes.length > 0) out["retriable_status_codes"] = codes;
  const perTry = envoyDuration(retries?.perTryTimeout);
  if (perTry) out["per_try_timeout"] = perTry;
  if (retries?.retryIgnorePreviousHosts !== false) {
    out["retry_host_predicate"] = [{ name: "envoy.retry_host_predicates.previous_hosts", typed_config: { "@type": PREVIOUS_HOSTS_TYPE } }];
    out["host_selection_retry_max_attempts"] = 5;
  }
  const backoff = envoyDuration(retries?.backoff);
  if (backoff) out["retry_back_off"] = { base_interval: backoff };
  return out;
}

const grpcCodes: Readonly<Record<string, number>> = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14,
  DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

/** Istio: percentage.value, else the legacy integer percent, else 100. */
function faultPercent(p: { percentage?: { value?: number | undefined } | undefined; percent?: number | undefined }): number {
  return p.percentage?.value ?? p.percent ?? 100;
}

export function faultConfig(fault: HTTPRoute["fault"]): EnvoyJson | undefined {
  if (!fault || (!fault.delay && !fault.abort)) return undefined;
  const out: EnvoyJson = { "@type": FAULT_TYPE };
  const d = fault.delay;
  if (d) {
    const fixed = envoyDuration(d.fixedDelay ?? d.exponentialDelay);
    if (fixed) out["delay"] = { fixed_delay: fixed, percentage: fractionalPercent(faultPercent(d)) };
  }
  const a = fault.abort;
  if (a) {
    const abort: EnvoyJson = { percentage: fractionalPercent(faultPercent(a)) };
    if (a.httpStatus !== undefined) abort["http_status"] = a.httpStatus;
    else if (a.grpcStatus !== undefined) abort["grpc_status"] = grpcCodes[a.grpcStatus.toUpperCase()] ?? (Number(a.grpcStatus) || 2);
    else abort["http_status"] = 503;
    out["abort"] = abort;
  }
  return out;
}

export function corsConfig(cors: HTTPRoute["corsPolicy"]): EnvoyJson | undefined {
  if (!cors) return undefined;
  const origins = [
    ...(cors.allowOrigins ?? []).map((m) => (m.exact !== undefined ? { exact: m.exact } : m.prefix !== undefined ? { prefix: m.prefix } : { safe_regex: { regex: m.regex ?? ".*" } })),
    ...(cors.allowOrigin ?? []).map((o) => (o === "*" ? { safe_regex: { regex: ".*" } } : { exact: o })),
  ];
  const out: EnvoyJson = { "@type": CORS_POLICY_TYPE, allow_origin_string_match: origins };
  if (cors.allowMethods) out["allow_methods"] = cors.allowMethods.join(",");
  if (cors.allowHeaders) out["allow_headers"] = cors.allowHeaders.join(",");
  if (cors.exposeHeaders) out["expose_headers"] = cors.exposeHeaders.join(",");
  const maxAge = envoyDuration(cors.maxAge);
  if (maxAge) out["max_age"] = String(Math.floor(Number(maxAge.slice(0, -1))));
  if (cors.allowCredentials !== undefined) out["allow_credentials"] = cors.allowCredentials;
  return out;
}

export interface HeaderMutations {
  request_headers_to_add?: EnvoyJson[];
  request_headers_to_remove?: string[];
  response_headers_to_add?: EnvoyJson[];
  response_headers_to_remove?: string[];
}

function adds(ops: { set?: Record<string, string> | undefined; add?: Record<string, string> | undefined }): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  for (const [key, value] of Object.entries(ops.set ?? {})) out.push({ header: { key, value }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" });
  for (const [key, value] of Object.entries(ops.add ?? {})) out.push({ header: { key, value }, append_action: "APPEND_IF_EXISTS_OR_ADD" });
  return out;
}

/** Istio's header set/add/remove as Envoy header mutations (set overwrites, add appends). */
export function headerMutations(h: Headers | undefined): HeaderMutations {
  const out: HeaderMutations = {};
  if (!h) return out;
  if (h.request) {
    const a = adds(h.request);
    if (a.length > 0) out.request_headers_to_add = a;
    if (h.request.remove?.length) out.request_headers_to_remove = [...h.request.remove];
  }
  if (h.response) {
    const a = adds(h.response);
    if (a.length > 0) out.response_headers_to_add = a;
    if (h.response.remove?.length) out.response_headers_to_remove = [...h.response.remove];
  }
  return out;
}
