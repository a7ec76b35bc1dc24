// Hosts by priority level, with Envoy's priority load (health × overprovisioning factor spills
// traffic to lower priorities), panic threshold (below it a level routes to all its hosts while
// total health is short of 100 %) and locality weighted load balancing within a level.
import type { LbContext, UpstreamHost } from "../contracts.js";
import { isAvailable, localityKey, type HostImpl } from "./host.js";
import { EdfScheduler } from "./lb/edf.js";
import type { LbConfig, LbFactory, LoadBalancer } from "./lb/index.js";

export interface PriorityOptions {
  readonly panicThreshold: number;
  readonly localityWeighted: boolean;
  readonly overprovisioningFactor: number;
  readonly localityWeights: ReadonlyMap<string, number>;
}

interface LocalityGroup {
  readonly lb: LoadBalancer;
  readonly weight: number;
}

interface Level {
  readonly hosts: HostImpl[];
  available: number;
  /** min(100, overprovisioning × available share) */
  health: number;
  /** Percentage of traffic this level gets. */
  load: number;
  panic: boolean;
  lb: LoadBalancer | undefined;
  localities: LocalityGroup[];
  readonly localityEdf: EdfScheduler;
}

export class PrioritySet {
  private levels: Level[] = [];

  constructor(private readonly factory: LbFactory, private readonly lbConfig: LbConfig, private options: PriorityOptions) {}

  setOptions(options: PriorityOptions): void {
    this.options = options;
  }

  /** Level summaries for admin and tests. */
  describe(): { priority: number; hosts: number; available: number; health: number; load: number; panic: boolean }[] {
    return this.levels.map((l, priority) => ({ priority, hosts: l.hosts.length, available: l.available, health: l.health, load: l.load, panic: l.panic }));
  }

  /** Rebuilds levels and balancers; called on any membership, health or ejection change. */
  update(hosts: readonly HostImpl[]): void {
    const o = this.options;
    const byPriority: HostImpl[][] = [];
    for (const h of hosts) (byPriority[h.priority] ??= []).push(h);
    const levels: Level[] = [];
    for (let p = 0; p < byPriority.length; p++) {
      const list = byPriority[p] ?? [];
      const available = list.filter(isAvailable).length;
      const health = list.length === 0 ? 0 : Math.min(100, Math.floor((o.overprovisioningFactor * 100 * available) / list.length));
      levels.push({ hosts: list, available, health, load: 0, panic: false, lb: undefined, localities: [], localityEdf: new EdfScheduler() });
    }
    const totalHealth = Math.min(100, levels.reduce((s, l) => s + l.health, 0));
    if (totalHealth === 0) {
      const first = levels.find((l) => l.hosts.length > 0);
      if (first) {
        first.load = 100;
        first.panic = o.panicThreshold > 0;
      }
    } else {
      let remaining = 100;
      for (const l of levels) {
        l.load = Math.min(remaining, Math.floor((l.health * 100) / totalHealth));
        remaining -= l.load;
      }
      const first = levels.find((l) => l.health > 0);
      if (first) first.load += remaining; // rounding leftovers
      if (totalHealth < 100) {
        for (const l of levels) {
          l.panic = l.hosts.length > 0 && (100 * l.available) / l.hosts.length < o.panicThreshold;
        }
      }
    }
    for (const l of levels) this.buildLevel(l);
    this.levels = levels;
  }

  private buildLevel(l: Level): void {
    const o = this.options;
    if (!o.localityWeighted) {
      l.lb = this.factory(this.lbConfig);
      l.lb.update(l.hosts, l.panic);
      return;
    }
    const groups = new Map<string, HostImpl[]>();
    for (const h of l.hosts) {
      const k = localityKey(h.locality);
      let g = groups.get(k);
      if (!g) groups.set(k, (g = []));
      g.push(h);
    }
    for (const [k, list] of groups) {
      const weight = o.localityWeights.get(k) ?? 0;
      const availability = l.panic ? 1 : Math.min(1, (o.overprovisioningFactor * list.filter(isAvailable).length) / list.length);
      const effective = weight * availability;
      if (effective <= 0) continue;
      const lb = this.factory(this.lbConfig);
      lb.update(list, l.panic);
      l.localities.push({ lb, weight: effective });
    }
    l.localityEdf.reset(l.localities.map((g) => g.weight));
  }

  pick(ctx: LbContext | undefined, attempt = 0): UpstreamHost | null {
    const levels = this.levels;
    if (levels.length === 0) return null;
    const r = ctx?.hash !== undefined ? Math.abs(ctx.hash) % 100 : Math.floor(Math.random() * 100);
    let acc = 0;
    for (let p = 0; p < levels.length; p++) {
      const l = levels[p] as Level;
      acc += l.load;
      if (r < acc) return this.pickInLevel(l, ctx, attempt);
    }
    return null;
  }

  private pickInLevel(l: Level, ctx: LbContext | undefined, attempt: number): UpstreamHost | null {
    if (l.lb) return l.lb.pick(ctx, attempt);
    const n = l.localities.length;
    if (n === 0) return null;
    const i = l.localityEdf.peek();
    const g = l.localities[i];
    if (!g) return null;
    l.localityEdf.advance(g.weight);
    return g.lb.pick(ctx, attempt);
  }
}
