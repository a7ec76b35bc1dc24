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

  pick(_ctx: LbContext | undefined): UpstreamHost | null {
    const n = this.hosts.length;
    if (n === 0) return null;
    return this.weighted ? this.pickWeighted() : this.pickTwoChoices();
  }

  private effectiveWeight(h: UpstreamHost): number {
    const bias = this.config.activeRequestBias;
    const w = weightOf(h);
    if (bias === 0) return w;
    const active = h.activeRequests + 1;
    return bias === 1 ? w / active : w / Math.pow(active, bias);
  }

  private pickWeighted(): UpstreamHost | null {
    const h = this.hosts[this.edf.peek()];
    if (h === undefined) return null;
    this.edf.advance(this.effectiveWeight(h));
    return h;
  }

  private pickTwoChoices(): UpstreamHost | null {
    const hosts = this.hosts;
    const n = hosts.length;
    let best: UpstreamHost | null = null;
    const choices = Math.max(1, this.config.choiceCount);
    for (let c = 0; c < choices; c++) {
      const h = hosts[Math.floor(Math.random() * n)];
      if (h !== undefined && (best === null || h.activeRequests < best.activeRequests)) best = h;
    }
    return best;
  }
}
