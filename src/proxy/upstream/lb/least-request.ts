// LEAST_REQUEST: with equal weights, the best of `choice_count` random hosts (power of two
// choices); with unequal weights, an EDF schedule where a host's weight is divided by
// (active requests + 1) ^ active_request_bias each time it is rescheduled (as Envoy).
import type { LbContext, UpstreamHost } from "../../contracts.js";
import { EdfScheduler } from "./edf.js";
import { candidates, weightOf, type LbConfig, type LoadBalancer } from "./load-balancer.js";

export class LeastRequestLb implements LoadBalancer {
  private hosts: UpstreamHost[] = [];
  private weighted = false;
  private readonly edf = new EdfScheduler();

  constructor(private readonly config: LbConfig) {}

  get size(): number {
    return this.hosts.length;
  }

  update(hosts: readonly UpstreamHost[], panic: boolean): void {
    this.hosts = candidates(hosts, panic);
    const first = this.hosts[0];
    this.weighted = first !== undefined && this.hosts.some((h) => weightOf(h) !== weightOf(first));
    if (this.weighted) this.edf.reset(Float64Array.from(this.hosts, weightOf));
  }

  pick(ctx: LbContext | undefined): UpstreamHost | null {
    const n = this.hosts.length;
    if (n === 0) return null;
    return this.weighted ? this.pickWeighted(ctx) : this.pickTwoChoices(ctx);
  }

  private effectiveWeight(h: UpstreamHost): number {
    const bias = this.config.activeRequestBias;
    const w = weightOf(h);
    if (bias === 0) return w;
    const active = h.activeRequests + 1;
    return bias === 1 ? w / active : w / Math.pow(active, bias);
  }

  private pickWeighted(ctx: LbContext | undefined): UpstreamHost | null {
    const n = this.hosts.length;
    const avoid = ctx?.avoid;
    const attempts = avoid && avoid.size > 0 ? n : 1;
    let first: UpstreamHost | null = null;
    for (let a = 0; a < attempts; a++) {
      const h = this.hosts[this.edf.peek()];
      if (h === undefined) return first;
      this.edf.advance(this.effectiveWeight(h));
      if (!avoid || !avoid.has(h)) return h;
      first ??= h;
    }
    return first;
  }

  private pickTwoChoices(ctx: LbContext | undefined): UpstreamHost | null {
    const hosts = this.hosts;
    const n = hosts.length;
    const avoid = ctx?.avoid;
    let best: UpstreamHost | null = null;
    const choices = Math.max(1, this.config.choiceCount);
    for (let c = 0; c < choices; c++) {
      const h = hosts[Math.floor(Math.random() * n)];
      if (h === undefined || (avoid && avoid.has(h))) continue;
      if (best === null || h.activeRequests < best.activeRequests) best = h;
    }
    if (best !== null) return best;
    // every sampled host was to be avoided: take the first host that is not, else any
    const start = Math.floor(Math.random() * n);
    for (let k = 0; k < n; k++) {
      const h = hosts[(start + k) % n];
      if (h !== undefined && !(avoid && avoid.has(h))) return h;
    }
    return hosts[start] ?? null;
  }
}
