// ROUND_ROBIN: Envoy's weighted round robin, an EDF schedule (plain rotation when weights are equal).
import type { LbContext, UpstreamHost } from "../../contracts.js";
import { EdfScheduler } from "./edf.js";
import { candidates, weightOf, type LoadBalancer } from "./load-balancer.js";

export class RoundRobinLb implements LoadBalancer {
  private hosts: UpstreamHost[] = [];
  private weights = new Float64Array(0);
  private readonly edf = new EdfScheduler();
  /** Equal weights: plain rotation (what EDF would do, cheaper). */
  private uniform = true;
  private next = 0;

  get size(): number {
    return this.hosts.length;
  }

  update(hosts: readonly UpstreamHost[], panic: boolean): void {
    this.hosts = candidates(hosts, panic);
    this.weights = Float64Array.from(this.hosts, weightOf);
    const w0 = this.weights[0];
    this.uniform = this.weights.every((w) => w === w0);
    if (!this.uniform) this.edf.reset(this.weights);
    // a random start, as Envoy, so proxies that rebuild together do not hit the same host first
    this.next = this.hosts.length > 0 ? Math.floor(Math.random() * this.hosts.length) : 0;
  }

  private pickOne(): UpstreamHost | undefined {
    if (this.uniform) {
      const i = this.next;
      this.next = i + 1 === this.hosts.length ? 0 : i + 1;
      return this.hosts[i];
    }
    const i = this.edf.peek();
    this.edf.advance(this.weights[i] ?? 1);
    return this.hosts[i];
  }

  pick(_ctx: LbContext | undefined): UpstreamHost | null {
    if (this.hosts.length === 0) return null;
    return this.pickOne() ?? null;
  }
}
