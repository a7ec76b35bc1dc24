// In-memory counters and gauges behind ProxyStats, rendered by /stats and /stats/prometheus.
import type { ProxyStats } from "../contracts.js";

export class StatsStore implements ProxyStats {
  readonly counters = new Map<string, number>();
  readonly gauges = new Map<string, number>();

  inc(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  set(name: string, value: number): void {
    this.gauges.set(name, value);
  }

  add(name: string, delta: number): void {
    this.gauges.set(name, (this.gauges.get(name) ?? 0) + delta);
  }

  counter(name: string): number {
    return this.counters.get(name) ?? 0;
  }

  gauge(name: string): number {
    return this.gauges.get(name) ?? 0;
  }
}
