// Circuit breakers (thresholds at priority DEFAULT): counters with Envoy's default limits and
// the overflow stats Envoy exposes.
import type { CircuitBreakerResource, EnvoyJson } from "../contracts.js";
import { invalid, isObject, readArray, readEnum, readUint } from "./envoy-json.js";

export interface CircuitBreakerLimits {
  readonly connections: number;
  readonly pending: number;
  readonly requests: number;
  readonly retries: number;
}

export const DEFAULT_LIMITS: CircuitBreakerLimits = { connections: 1024, pending: 1024, requests: 1024, retries: 3 };

export function compileCircuitBreakers(json: EnvoyJson | undefined, path: string): CircuitBreakerLimits {
  if (!json) return DEFAULT_LIMITS;
  for (const [i, t] of readArray(json, "thresholds", path).entries()) {
    const at = `${path}.thresholds[${i}]`;
    if (!isObject(t)) throw invalid(at, "must be an object");
    const priority = readEnum(t, "priority", at, ["DEFAULT", "HIGH"] as const) ?? "DEFAULT";
    if (priority !== "DEFAULT") continue;
    return {
      connections: readUint(t, "max_connections", at) ?? DEFAULT_LIMITS.connections,
      pending: readUint(t, "max_pending_requests", at) ?? DEFAULT_LIMITS.pending,
      requests: readUint(t, "max_requests", at) ?? DEFAULT_LIMITS.requests,
      retries: readUint(t, "max_retries", at) ?? DEFAULT_LIMITS.retries,
    };
  }
  return DEFAULT_LIMITS;
}

export class CircuitBreakers {
  active = { connections: 0, pending: 0, requests: 0, retries: 0 };
  /** upstream_cx_overflow, upstream_rq_pending_overflow, upstream_rq_overflow (max_requests), upstream_rq_retry_overflow */
  cxOverflow = 0;
  rqPendingOverflow = 0;
  rqOverflow = 0;
  rqRetryOverflow = 0;

  constructor(public limits: CircuitBreakerLimits) {}

  // One branch per resource with plain property accesses: `active[resource]` with a varying key
  // is a megamorphic keyed access on every request.
  tryAcquire(resource: CircuitBreakerResource): boolean {
    const a = this.active;
    const l = this.limits;
    switch (resource) {
      case "connections":
        if (a.connections >= l.connections) { this.cxOverflow++; return false; }
        a.connections++;
        return true;
      case "pending":
        if (a.pending >= l.pending) { this.rqPendingOverflow++; return false; }
        a.pending++;
        return true;
      case "requests":
        if (a.requests >= l.requests) { this.rqOverflow++; return false; }
        a.requests++;
        return true;
      case "retries":
        if (a.retries >= l.retries) { this.rqRetryOverflow++; return false; }
        a.retries++;
        return true;
    }
  }

  release(resource: CircuitBreakerResource): void {
    const a = this.active;
    switch (resource) {
      case "connections": if (a.connections > 0) a.connections--; break;
      case "pending": if (a.pending > 0) a.pending--; break;
      case "requests": if (a.requests > 0) a.requests--; break;
      case "retries": if (a.retries > 0) a.retries--; break;
    }
  }

  /** True when any resource sits at its limit (for describeNoHealthyUpstream). */
  anyOpen(): boolean {
    const a = this.active;
    const l = this.limits;
    return a.connections >= l.connections || a.pending >= l.pending || a.requests >= l.requests;
  }

  stats(): Record<string, number> {
    return {
      upstream_cx_overflow: this.cxOverflow,
      upstream_rq_pending_overflow: this.rqPendingOverflow,
      upstream_rq_overflow: this.rqOverflow,
      upstream_rq_retry_overflow: this.rqRetryOverflow,
      "circuit_breakers.default.cx_open": this.active.connections >= this.limits.connections ? 1 : 0,
      "circuit_breakers.default.rq_pending_open": this.active.pending >= this.limits.pending ? 1 : 0,
      "circuit_breakers.default.rq_open": this.active.requests >= this.limits.requests ? 1 : 0,
      "circuit_breakers.default.rq_retry_open": this.active.retries >= this.limits.retries ? 1 : 0,
    };
  }
}
