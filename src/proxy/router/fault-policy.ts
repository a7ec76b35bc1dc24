// HTTP fault injection (envoy.extensions.filters.http.fault.v3.HTTPFault): delays and aborts with
// a probability, fixed in the config or taken from the request's x-envoy-fault-* headers
// (header_delay, header_abort), limited to requests with given headers, upstream cluster or
// downstream nodes, and to max_active_faults at a time. response_rate_limit is not supported.
import { invalid, obj, str, int, arr, durationMs, fractionalParts } from "./envoy-json.js";
import { compileHeaderMatch, type HeaderMatch } from "./header-match.js";

/** A percentage as Envoy keeps it: header percentages are numerators capped by the configured one. */
export interface FaultPercentage {
  readonly numerator: number;
  readonly denominator: number;
}

export interface FaultPolicy {
  /** Fixed delay; 0 with `delayFromHeader` or without a delay. */
  readonly delayMs: number;
  /** header_delay: the delay is x-envoy-fault-delay-request (ms). */
  readonly delayFromHeader: boolean;
  /** null: no delay configured. */
  readonly delayPercentage: FaultPercentage | null;
  /** Fixed abort status (200 for a gRPC abort); 0 with `abortFromHeader` or without an abort. */
  readonly abortHttpStatus: number;
  /** -1 when the abort is an HTTP status. */
  readonly abortGrpcStatus: number;
  /** header_abort: x-envoy-fault-abort-request (HTTP) or x-envoy-fault-abort-grpc-request. */
  readonly abortFromHeader: boolean;
  /** null: no abort configured. */
  readonly abortPercentage: FaultPercentage | null;
  /** Every one must match the request (HeaderMatcher semantics). */
  readonly headers: readonly HeaderMatch[];
  /** "" = any cluster. */
  readonly upstreamCluster: string;
  /** Empty = any; else x-envoy-downstream-service-node must be one of them. */
  readonly downstreamNodes: readonly string[];
  readonly maxActiveFaults: number;
  /**
   * When this policy's running delays end (monotonic ms), kept only under a max_active_faults:
   * a delay whose request dies early still counts until then, and nothing has to be undone.
   */
  readonly activeUntil: number[];
}

/** Envoy's default percentage when a fault block has none: 100 %. */
const ALL: FaultPercentage = { numerator: 100, denominator: 100 };

export function compileFaultPolicy(v: unknown, field: string): FaultPolicy {
  const o = obj(v, field) ?? {};
  const d = obj(o["delay"], `${field}.delay`);
  const a = obj(o["abort"], `${field}.abort`);
  let delayMs = 0;
  let delayFromHeader = false;
  let delayPercentage: FaultPercentage | null = null;
  if (d) {
    delayFromHeader = obj(d["header_delay"], `${field}.delay.header_delay`) !== undefined;
    const fixed = durationMs(d["fixed_delay"], `${field}.delay.fixed_delay`);
    if (delayFromHeader && fixed !== undefined) throw invalid(`${field}.delay`, "takes one of fixed_delay and header_delay");
    if (!delayFromHeader && fixed === undefined) throw invalid(`${field}.delay`, "needs fixed_delay or header_delay");
    delayMs = fixed ?? 0;
    delayPercentage = fractionalParts(d["percentage"], `${field}.delay.percentage`) ?? ALL;
  }
  let abortHttpStatus = 0;
  let abortGrpcStatus = -1;
  let abortFromHeader = false;
  let abortPercentage: FaultPercentage | null = null;
  if (a) {
    const hs = int(a["http_status"], `${field}.abort.http_status`);
    const gs = int(a["grpc_status"], `${field}.abort.grpc_status`);
    abortFromHeader = obj(a["header_abort"], `${field}.abort.header_abort`) !== undefined;
    if ([hs !== undefined, gs !== undefined, abortFromHeader].filter(Boolean).length !== 1) {
      throw invalid(`${field}.abort`, "takes exactly one of http_status, grpc_status and header_abort");
    }
    if (hs !== undefined) {
      if (hs < 200 || hs > 599) throw invalid(`${field}.abort.http_status`, "must be 200..599");
      abortHttpStatus = hs;
    } else if (gs !== undefined) {
      abortGrpcStatus = gs;
      abortHttpStatus = 200;
    }
    abortPercentage = fractionalParts(a["percentage"], `${field}.abort.percentage`) ?? ALL;
  }
  if (o["response_rate_limit"] !== undefined) throw invalid(`${field}.response_rate_limit`, "is not supported");
  // UInt32Value: a bare number in proto JSON; { value: n } accepted too.
  const ma = o["max_active_faults"];
  const maxActive = int(typeof ma === "object" && ma !== null ? (ma as Record<string, unknown>)["value"] : ma, `${field}.max_active_faults`);
  return {
    delayMs, delayFromHeader, delayPercentage,
    abortHttpStatus, abortGrpcStatus, abortFromHeader, abortPercentage,
    headers: arr(o["headers"], `${field}.headers`).map((h, i) => compileHeaderMatch(h, `${field}.headers[${i}]`)),
    upstreamCluster: str(o["upstream_cluster"], `${field}.upstream_cluster`) ?? "",
    downstreamNodes: arr(o["downstream_nodes"], `${field}.downstream_nodes`).map((n, i) => str(n, `${field}.downstream_nodes[${i}]`) ?? ""),
    maxActiveFaults: maxActive ?? Infinity,
    activeUntil: [],
  };
}

/** Faults of the policy active now. */
export function activeFaults(p: FaultPolicy, now: number): number {
  const a = p.activeUntil;
  let n = 0;
  for (let i = 0; i < a.length; i++) if ((a[i] as number) > now) a[n++] = a[i] as number;
  a.length = n;
  return n;
}

/**
 * The chance a fault applies: the configured percentage, or the request's percentage header
 * (a numerator over the configured denominator, capped by the configured numerator).
 */
export function faultChance(p: FaultPercentage, header: string | undefined): number {
  let n = p.numerator;
  if (header !== undefined) {
    const h = parseUnsigned(header);
    if (h >= 0) n = Math.min(h, n);
  }
  return Math.min(1, n / p.denominator);
}

/** A decimal integer ≥ 0, or -1. */
export function parseUnsigned(v: string): number {
  const t = v.trim();
  return /^\d{1,10}$/.test(t) ? Number(t) : -1;
}
