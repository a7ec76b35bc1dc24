// envoy.filters.http.fault: delays (flag DI) and aborts (flag FI), configured on the filter and
// overridable per route / virtual host through typed_per_filter_config. As in Envoy, a request
// that gets both is delayed first, then aborted. A fault counts against max_active_faults while its
// delay runs (Envoy counts it until the request ends).
import { FAULT_TYPE, FILTER_DISABLED } from "../../router/per-filter-config.js";
import { activeFaults, compileFaultPolicy, faultChance, parseUnsigned, type FaultPolicy } from "../../router/fault-policy.js";
import { testHeaderMatch } from "../../router/header-match.js";
import { FILTER_CONTINUE, FILTER_STOP, registerHttpFilter, type HttpFilter, type HttpStream } from "./http-filter.js";

function afterDelay(ex: HttpStream, next: number, p: FaultPolicy): void {
  if (maybeAbort(ex, p)) return;
  ex.continueFilters(next);
}

/** Does the policy apply to this request (headers, upstream cluster, downstream node)? */
function applies(ex: HttpStream, p: FaultPolicy): boolean {
  for (const m of p.headers) if (!testHeaderMatch(m, ex.headers.get(m.name))) return false;
  if (p.upstreamCluster !== "") {
    const f = ex.route?.forward;
    const cluster = f?.cluster ?? (f?.clusterHeader ? ex.headers.get(f.clusterHeader) : undefined);
    if (cluster !== p.upstreamCluster) return false;
  }
  if (p.downstreamNodes.length > 0) {
    const node = ex.headers.get("x-envoy-downstream-service-node");
    if (node === undefined || !p.downstreamNodes.includes(node)) return false;
  }
  return true;
}

function delayMs(ex: HttpStream, p: FaultPolicy): number {
  if (p.delayPercentage === null) return 0;
  let ms = p.delayMs;
  if (p.delayFromHeader) {
    const h = ex.headers.get("x-envoy-fault-delay-request");
    ms = h === undefined ? -1 : parseUnsigned(h);
    if (ms <= 0) return 0;
  }
  const chance = faultChance(p.delayPercentage, p.delayFromHeader ? ex.headers.get("x-envoy-fault-delay-request-percentage") : undefined);
  return ms > 0 && Math.random() < chance ? ms : 0;
}

/** Aborts the request when the policy says so; true when it did. */
function maybeAbort(ex: HttpStream, p: FaultPolicy): boolean {
  if (p.abortPercentage === null) return false;
  let http = p.abortHttpStatus;
  let grpc = p.abortGrpcStatus;
  if (p.abortFromHeader) {
    // The HTTP status header wins over the gRPC one; out-of-range values inject nothing.
    const hs = ex.headers.get("x-envoy-fault-abort-request");
    const gs = ex.headers.get("x-envoy-fault-abort-grpc-request");
    http = hs === undefined ? 0 : parseUnsigned(hs);
    grpc = -1;
    if (http < 200 || http >= 600) {
      http = 0;
      const g = gs === undefined ? -1 : parseUnsigned(gs);
      if (g >= 0 && g <= 16) { grpc = g; http = 200; }
    }
    if (http === 0) return false;
  }
  const chance = faultChance(p.abortPercentage, p.abortFromHeader ? ex.headers.get("x-envoy-fault-abort-request-percentage") : undefined);
  if (!(Math.random() < chance)) return false;
  if (grpc >= 0) ex.grpcLocalReply(grpc, "FI", "fault filter abort");
  else ex.localReply(http, "FI", "fault filter abort");
  return true;
}

class FaultFilter implements HttpFilter {
  constructor(readonly name: string, private readonly policy: FaultPolicy) {}

  onRequest(ex: HttpStream, index: number): number {
    const per = ex.route?.perFilter.get(this.name);
    if (per === FILTER_DISABLED) return FILTER_CONTINUE;
    const p = typeof per === "object" && per !== null && "abortPercentage" in per ? (per as FaultPolicy) : this.policy;
    if ((p.delayPercentage === null && p.abortPercentage === null) || !applies(ex, p)) return FILTER_CONTINUE;
    const limited = p.maxActiveFaults !== Infinity;
    const now = limited ? performance.now() : 0;
    if (limited && activeFaults(p, now) >= p.maxActiveFaults) return FILTER_CONTINUE; // Envoy's faults_overflow
    const ms = delayMs(ex, p);
    if (ms > 0) {
      ex.record.addFlag("DI");
      if (limited) p.activeUntil.push(now + ms);
      ex.pauseFor(setTimeout(afterDelay, ms, ex, index + 1, p));
      return FILTER_STOP;
    }
    return maybeAbort(ex, p) ? FILTER_STOP : FILTER_CONTINUE;
  }
}

registerHttpFilter({
  typeUrl: FAULT_TYPE,
  create: (name, cfg, field) => new FaultFilter(name, compileFaultPolicy(cfg, field)),
});
