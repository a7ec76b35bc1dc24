// Route retry policy (envoy.config.route.v3.RetryPolicy) and the per-request decisions made
// from it: which outcomes retry, how long to back off, when the budget is spent.
import { invalid, obj, str, int, arr, durationMs } from "./envoy-json.js";
import { compileHeaderMatch, testHeaderMatch, type HeaderMatch } from "./header-match.js";

export const RetryOn = {
  X5xx: 1 << 0,
  GatewayError: 1 << 1,
  Reset: 1 << 2,
  ConnectFailure: 1 << 3,
  RefusedStream: 1 << 4,
  Retriable4xx: 1 << 5,
  RetriableStatusCodes: 1 << 6,
  RetriableHeaders: 1 << 7,
  GrpcCancelled: 1 << 8,
  GrpcDeadlineExceeded: 1 << 9,
  GrpcResourceExhausted: 1 << 10,
  GrpcUnavailable: 1 << 11,
  GrpcInternal: 1 << 12,
} as const;

const NAMES: Record<string, number> = {
  "5xx": RetryOn.X5xx,
  "gateway-error": RetryOn.GatewayError,
  reset: RetryOn.Reset,
  "reset-before-request": RetryOn.Reset,
  "connect-failure": RetryOn.ConnectFailure,
  "refused-stream": RetryOn.RefusedStream,
  "retriable-4xx": RetryOn.Retriable4xx,
  "retriable-status-codes": RetryOn.RetriableStatusCodes,
  "retriable-headers": RetryOn.RetriableHeaders,
  cancelled: RetryOn.GrpcCancelled,
  "deadline-exceeded": RetryOn.GrpcDeadlineExceeded,
  "resource-exhausted": RetryOn.GrpcResourceExhausted,
  unavailable: RetryOn.GrpcUnavailable,
  internal: RetryOn.GrpcInternal,
  "envoy-ratelimited": 0,
};

export interface RetryPolicy {
  readonly retryOn: number;
  readonly numRetries: number;
  /** 0 = none (the route timeout bounds each try). */
  readonly perTryTimeoutMs: number;
  readonly baseIntervalMs: number;
  readonly maxIntervalMs: number;
  readonly avoidPreviousHosts: boolean;
  readonly hostSelectionMaxAttempts: number;
  readonly retriableStatusCodes: readonly number[];
  readonly retriableHeaders: readonly HeaderMatch[];
}

export function compileRetryPolicy(v: unknown, field: string): RetryPolicy | null {
  const o = obj(v, field);
  if (!o) return null;
  let retryOn = 0;
  for (const raw of (str(o["retry_on"], `${field}.retry_on`) ?? "").split(",")) {
    const name = raw.trim();
    if (name === "") continue;
    const bit = NAMES[name];
    if (bit === undefined) throw invalid(`${field}.retry_on`, `unknown retry condition ${JSON.stringify(name)}`);
    retryOn |= bit;
  }
  const numRetries = int(o["num_retries"], `${field}.num_retries`) ?? 1;
  if (numRetries < 0) throw invalid(`${field}.num_retries`, "must not be negative");
  const bo = obj(o["retry_back_off"], `${field}.retry_back_off`);
  const baseIntervalMs = (bo && durationMs(bo["base_interval"], `${field}.retry_back_off.base_interval`)) || 25;
  const maxIntervalMs = (bo && durationMs(bo["max_interval"], `${field}.retry_back_off.max_interval`)) || baseIntervalMs * 10;
  if (maxIntervalMs < baseIntervalMs) throw invalid(`${field}.retry_back_off.max_interval`, "must be >= base_interval");
  let avoidPreviousHosts = false;
  arr(o["retry_host_predicate"], `${field}.retry_host_predicate`).forEach((p, i) => {
    const name = str(obj(p, `${field}.retry_host_predicate[${i}]`)?.["name"], `${field}.retry_host_predicate[${i}].name`);
    if (name === "envoy.retry_host_predicates.previous_hosts") avoidPreviousHosts = true;
  });
  return {
    retryOn,
    numRetries,
    perTryTimeoutMs: durationMs(o["per_try_timeout"], `${field}.per_try_timeout`) ?? 0,
    baseIntervalMs,
    maxIntervalMs,
    avoidPreviousHosts,
    hostSelectionMaxAttempts: int(o["host_selection_retry_max_attempts"], `${field}.host_selection_retry_max_attempts`) ?? 1,
    retriableStatusCodes: arr(o["retriable_status_codes"], `${field}.retriable_status_codes`)
      .map((c, i) => int(c, `${field}.retriable_status_codes[${i}]`) ?? 0),
    retriableHeaders: arr(o["retriable_headers"], `${field}.retriable_headers`)
      .map((h, i) => compileHeaderMatch(h, `${field}.retriable_headers[${i}]`)),
  };
}

const GRPC_BITS: Record<string, number> = {
  "1": RetryOn.GrpcCancelled, "4": RetryOn.GrpcDeadlineExceeded, "8": RetryOn.GrpcResourceExhausted,
  "13": RetryOn.GrpcInternal, "14": RetryOn.GrpcUnavailable,
};

/** Should a response with this status (and headers, for grpc-status / retriable_headers) be retried? */
export function retriableResponse(p: RetryPolicy, status: number, header: (name: string) => string | undefined): boolean {
  const on = p.retryOn;
  if (on & RetryOn.X5xx && status >= 500) return true;
  if (on & RetryOn.GatewayError && (status === 502 || status === 503 || status === 504)) return true;
  if (on & RetryOn.Retriable4xx && status === 409) return true;
  if (on & RetryOn.RetriableStatusCodes && p.retriableStatusCodes.includes(status)) return true;
  if (on & RetryOn.RetriableHeaders) {
    for (const m of p.retriableHeaders) if (testHeaderMatch(m, header(m.name))) return true;
  }
  if (on & 0x1f00) {
    const gs = header("grpc-status");
    if (gs !== undefined && (on & (GRPC_BITS[gs] ?? 0)) !== 0) return true;
  }
  return false;
}

export type RetryFailure = "reset" | "connect-failure" | "refused-stream" | "timeout";

export function retriableFailure(p: RetryPolicy, kind: RetryFailure): boolean {
  const on = p.retryOn;
  switch (kind) {
    case "connect-failure": return (on & (RetryOn.ConnectFailure | RetryOn.X5xx | RetryOn.GatewayError | RetryOn.Reset)) !== 0;
    case "refused-stream": return (on & (RetryOn.RefusedStream | RetryOn.X5xx)) !== 0;
    case "reset": return (on & (RetryOn.Reset | RetryOn.X5xx | RetryOn.GatewayError)) !== 0;
    case "timeout": return (on & (RetryOn.Reset | RetryOn.X5xx | RetryOn.GatewayError)) !== 0;
  }
}

/** Full-jitter exponential back-off for retry number `attempt` (1-based). */
export function backoffMs(p: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(p.maxIntervalMs, p.baseIntervalMs * 2 ** Math.min(attempt - 1, 20));
  return Math.floor(random() * ceiling);
}
