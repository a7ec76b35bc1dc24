// RANDOM: a host drawn in proportion to its weight (cumulative weights + binary search).
import type { LbContext, UpstreamHost } from "../../contracts.js";
import { candidates, weightOf, type LoadBalancer } from "./load-balancer.js";

export class RandomLb implements LoadBalancer {
  private hosts: UpstreamHost[] = [];
  private cumulative = new Float64Array(0);
  private total = 0;

  get size(): number {
    return this.hosts.length;
  }

  update(hosts: readonly UpstreamHost[], panic: boolean): void {
    this.hosts = candidates(hosts, panic);
    this.cumulative = new Float64Array(this.hosts.length);
    let sum = 0;
    for (let i = 0; i < this.hosts.length; i++) {
      sum += weightOf(this.hosts[i] as UpstreamHost);
      this.cumulative[i] = sum;
    }
    this.total = sum;
  }

  pick(_ctx: LbContext | undefined): UpstreamHost | null {
    const n = this.hosts.length;
    if (n === 0) return null;
    const r = Math.random() * this.total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulative[mid] ?? 0) > r) hi = mid;
      else lo = mid + 1;
    }
    return this.hosts[lo] ?? null;
  }
}
