// HTTP fault injection (envoy.extensions.filters.http.fault.v3.HTTPFault): fixed delays and aborts
// with a probability. Header-controlled faults are not supported.
import { invalid, obj, int, durationMs, fractionalPercent } from "./envoy-json.js";

export interface FaultPolicy {
  readonly delayMs: number;
  readonly delayFraction: number;
  readonly abortHttpStatus: number;
  /** -1 when the abort is an HTTP status. */
  readonly abortGrpcStatus: number;
  readonly abortFraction: number;
}

export function compileFaultPolicy(v: unknown, field: string): FaultPolicy {
  const o = obj(v, field) ?? {};
  const d = obj(o["delay"], `${field}.delay`);
  const a = obj(o["abort"], `${field}.abort`);
  let delayMs = 0;
  let delayFraction = 0;
  if (d) {
    delayMs = durationMs(d["fixed_delay"], `${field}.delay.fixed_delay`) ?? 0;
    delayFraction = fractionalPercent(d["percentage"], `${field}.delay.percentage`) ?? 1;
  }
  let abortHttpStatus = 0;
  let abortGrpcStatus = -1;
  let abortFraction = 0;
  if (a) {
    const hs = int(a["http_status"], `${field}.abort.http_status`);
    const gs = int(a["grpc_status"], `${field}.abort.grpc_status`);
    if (hs !== undefined) {
      if (hs < 200 || hs > 599) throw invalid(`${field}.abort.http_status`, "must be 200..599");
      abortHttpStatus = hs;
    } else if (gs !== undefined) {
      abortGrpcStatus = gs;
      abortHttpStatus = 200;
    } else throw invalid(`${field}.abort`, "needs http_status or grpc_status");
    abortFraction = fractionalPercent(a["percentage"], `${field}.abort.percentage`) ?? 1;
  }
  return { delayMs, delayFraction, abortHttpStatus, abortGrpcStatus, abortFraction };
}
