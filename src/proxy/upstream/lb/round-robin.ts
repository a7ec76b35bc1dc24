// ROUND_ROBIN: Envoy's weighted round robin, an EDF schedule (plain rotation when weights are equal).
import type { LbContext, UpstreamHost } from "../../contracts.js";
import { EdfScheduler } from "./edf.js";
import { candidates, weightOf, type LoadBalancer } from "./load-balancer.js";

export class RoundRobinLb implements LoadBalancer {
  private hosts: UpstreamHost[] = [];
  private weights = new Float64Array(0);
  private readonly edf = new EdfScheduler();

  get size(): number {
    return this.hosts.length;
  }

  update(hosts: readonly UpstreamHost[], panic: boolean): void {
    this.hosts = candidates(hosts, panic);
    this.weights = Float64Array.from(this.hosts, weightOf);
    this.edf.reset(this.weights);
  }

  pick(ctx: LbContext | undefined): UpstreamHost | null {
    const n = this.hosts.length;
    if (n === 0) return null;
    const avoid = ctx?.avoid;
    const attempts = avoid && avoid.size > 0 ? n : 1;
    let first: UpstreamHost | null = null;
    for (let a = 0; a < attempts; a++) {
      const i = this.edf.peek();
      this.edf.advance(this.weights[i] ?? 1);
      const h = this.hosts[i] ?? null;
      if (h === null) continue;
      if (!avoid || !avoid.has(h)) return h;
      first ??= h;
    }
    return first;
  }
}
