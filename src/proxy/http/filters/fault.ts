// envoy.filters.http.fault: fixed delays (flag DI) and aborts (flag FI), configured on the
// filter and overridable per route / virtual host through typed_per_filter_config.
import { FAULT_TYPE, FILTER_DISABLED } from "../../router/per-filter-config.js";
import { compileFaultPolicy, type FaultPolicy } from "../../router/fault-policy.js";
import { FILTER_CONTINUE, FILTER_STOP, registerHttpFilter, type HttpFilter, type HttpStream } from "./http-filter.js";

function resumeAfterDelay(ex: HttpStream, next: number): void {
  ex.continueFilters(next);
}

class FaultFilter implements HttpFilter {
  constructor(readonly name: string, private readonly policy: FaultPolicy) {}

  onRequest(ex: HttpStream, index: number): number {
    const per = ex.route?.perFilter.get(this.name);
    if (per === FILTER_DISABLED) return FILTER_CONTINUE;
    const p = typeof per === "object" && per !== null && "abortFraction" in per ? (per as FaultPolicy) : this.policy;
    if (p.abortHttpStatus !== 0 && p.abortFraction > 0 && Math.random() < p.abortFraction) {
      if (p.abortGrpcStatus >= 0) ex.grpcLocalReply(p.abortGrpcStatus, "FI", "fault filter abort");
      else ex.localReply(p.abortHttpStatus, "FI", "fault filter abort");
      return FILTER_STOP;
    }
    if (p.delayMs > 0 && p.delayFraction > 0 && Math.random() < p.delayFraction) {
      ex.record.addFlag("DI");
      ex.pauseFor(setTimeout(resumeAfterDelay, p.delayMs, ex, index + 1));
      return FILTER_STOP;
    }
    return FILTER_CONTINUE;
  }
}

registerHttpFilter({
  typeUrl: FAULT_TYPE,
  create: (name, cfg, field) => new FaultFilter(name, compileFaultPolicy(cfg, field)),
});
