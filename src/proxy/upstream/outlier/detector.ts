// Outlier detection (Envoy semantics): consecutive 5xx / gateway failure / local-origin failure
// eject at once; success-rate and failure-percentage ejections, and un-ejection, happen on
// interval ticks. Ejection time is base_ejection_time × times ejected, capped at max_ejection_time.
import type { UpstreamOutcome } from "../../contracts.js";
import type { HostImpl } from "../host.js";
import type { OutlierConfig } from "./config.js";

export interface OutlierClock {
  now(): number;
}

export const SYSTEM_CLOCK: OutlierClock = { now: () => Date.now() };

type EjectionType = "consecutive_5xx" | "consecutive_gateway_failure" | "consecutive_local_origin_failure"
  | "success_rate" | "failure_percentage";

export class OutlierDetector {
  private timer: NodeJS.Timeout | undefined;
  readonly counters: Record<string, number> = { ejections_total: 0, ejections_overflow: 0, ejections_enforced_total: 0 };

  constructor(
    public config: OutlierConfig,
    /** The cluster's current hosts. */
    private readonly hosts: () => readonly HostImpl[],
    /** Called after any ejection or un-ejection so the cluster rebuilds its balancers. */
    private readonly onChange: () => void,
    private readonly clock: OutlierClock = SYSTEM_CLOCK,
    private readonly random: () => number = Math.random,
  ) {}

  /** Starts the interval timer (unref'd: it never keeps the process alive). */
  start(): void {
    this.stop();
    this.timer = setInterval(() => this.tick(), this.config.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  ejectionsActive(): number {
    let n = 0;
    for (const h of this.hosts()) if (h.ejected) n++;
    return n;
  }

  stats(): Record<string, number> {
    return { ...this.counters, ejections_active: this.ejectionsActive() };
  }

  report(host: HostImpl, outcome: UpstreamOutcome): void {
    const c = this.config;
    if (outcome.kind === "response") {
      const status = outcome.status;
      host.intervalTotal++;
      if (c.splitExternalLocalOriginErrors) host.consecutiveLocalOriginFailure = 0;
      if (status < 500) {
        host.intervalSuccess++;
        host.consecutive5xx = 0;
        host.consecutiveGatewayFailure = 0;
        return;
      }
      this.onServerError(host, status === 502 || status === 503 || status === 504);
      return;
    }
    // a local-origin error: connect failure, reset, timeout
    if (c.splitExternalLocalOriginErrors) {
      host.consecutiveLocalOriginFailure++;
      if (host.consecutiveLocalOriginFailure >= c.consecutiveLocalOriginFailure) {
        host.consecutiveLocalOriginFailure = 0;
        this.tryEject(host, "consecutive_local_origin_failure", c.enforcingConsecutiveLocalOriginFailure);
      }
      return;
    }
    // not split: mapped to a 503, which is also a gateway failure
    host.intervalTotal++;
    this.onServerError(host, true);
  }

  private onServerError(host: HostImpl, gateway: boolean): void {
    const c = this.config;
    if (gateway) {
      host.consecutiveGatewayFailure++;
      if (host.consecutiveGatewayFailure >= c.consecutiveGatewayFailure) {
        host.consecutiveGatewayFailure = 0;
        this.tryEject(host, "consecutive_gateway_failure", c.enforcingConsecutiveGatewayFailure);
      }
    }
    host.consecutive5xx++;
    if (host.consecutive5xx >= c.consecutive5xx) {
      host.consecutive5xx = 0;
      this.tryEject(host, "consecutive_5xx", c.enforcingConsecutive5xx);
    }
  }

  private bump(name: string): void {
    this.counters[name] = (this.counters[name] ?? 0) + 1;
  }

  private tryEject(host: HostImpl, type: EjectionType, enforcing: number): boolean {
    if (host.ejected) return false;
    this.bump(`ejections_detected_${type}`);
    if (this.random() * 100 >= enforcing) return false;
    const all = this.hosts();
    const active = this.ejectionsActive();
    // max_ejection_percent, but always allow one ejection (as Envoy)
    if (active > 0 && (100 * (active + 1)) / all.length > this.config.maxEjectionPercent) {
      this.bump("ejections_overflow");
      return false;
    }
    host.ejected = true;
    host.ejectedAtMs = this.clock.now();
    host.ejectionMultiplier++;
    this.bump("ejections_total");
    this.bump("ejections_enforced_total");
    this.bump(`ejections_enforced_${type}`);
    this.onChange();
    return true;
  }

  /** One analysis sweep: un-eject hosts whose time is up, decay back-off, run the rate checks. */
  tick(): void {
    const c = this.config;
    const now = this.clock.now();
    let changed = false;
    for (const h of this.hosts()) {
      if (h.ejected) {
        const ejectFor = Math.min(c.baseEjectionTimeMs * h.ejectionMultiplier, c.maxEjectionTimeMs);
        if (now - h.ejectedAtMs >= ejectFor) {
          h.ejected = false;
          h.unejectedAtMs = now;
          h.consecutive5xx = 0;
          h.consecutiveGatewayFailure = 0;
          h.consecutiveLocalOriginFailure = 0;
          changed = true;
        }
      } else if (h.ejectionMultiplier > 0 && now - Math.max(h.unejectedAtMs, h.ejectedAtMs) >= c.baseEjectionTimeMs) {
        // behaved for a whole base ejection time since coming back: shorten the next ejection
        h.ejectionMultiplier--;
        h.unejectedAtMs = now;
      }
    }
    if (changed) this.onChange();
    this.checkFailurePercentage();
    this.checkSuccessRate();
    for (const h of this.hosts()) {
      h.intervalTotal = 0;
      h.intervalSuccess = 0;
    }
  }

  private checkFailurePercentage(): void {
    const c = this.config;
    const eligible = this.hosts().filter((h) => h.intervalTotal >= c.failurePercentageRequestVolume);
    if (eligible.length < c.failurePercentageMinimumHosts) return;
    for (const h of eligible) {
      const failurePct = (100 * (h.intervalTotal - h.intervalSuccess)) / h.intervalTotal;
      if (failurePct >= c.failurePercentageThreshold) this.tryEject(h, "failure_percentage", c.enforcingFailurePercentage);
    }
  }

  private checkSuccessRate(): void {
    const c = this.config;
    const eligible = this.hosts().filter((h) => h.intervalTotal >= c.successRateRequestVolume);
    if (eligible.length < c.successRateMinimumHosts || eligible.length === 0) return;
    const rates = eligible.map((h) => (100 * h.intervalSuccess) / h.intervalTotal);
    const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
    const variance = rates.reduce((a, r) => a + (r - mean) * (r - mean), 0) / rates.length;
    const threshold = mean - (c.successRateStdevFactor / 1000) * Math.sqrt(variance);
    eligible.forEach((h, i) => {
      if ((rates[i] ?? 100) < threshold) this.tryEject(h, "success_rate", c.enforcingSuccessRate);
    });
  }
}
