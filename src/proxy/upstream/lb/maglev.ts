// MAGLEV: a 65537-entry lookup table filled from per-host permutations (offset, skip from
// xxHash64 of the address with seeds 0 and 1), weighted as Envoy does; a pick is one modulo.
import type { LbContext, UpstreamHost } from "../../contracts.js";
import { hostKey } from "../host.js";
import { candidates, weightOf, type LoadBalancer } from "./load-balancer.js";
import { xxHash64 } from "./xxhash64.js";

export const MAGLEV_TABLE_SIZE = 65537;

const permutationCache = new Map<string, [number, number]>();

function permutation(key: string): [number, number] {
  let p = permutationCache.get(key);
  if (p === undefined) {
    if (permutationCache.size >= 100_000) permutationCache.clear();
    const m = BigInt(MAGLEV_TABLE_SIZE);
    p = [Number(xxHash64(key, 0n) % m), Number(xxHash64(key, 1n) % (m - 1n)) + 1];
    permutationCache.set(key, p);
  }
  return p;
}

export class MaglevLb implements LoadBalancer {
  private hosts: UpstreamHost[] = [];
  private table = new Int32Array(0);

  get size(): number {
    return this.hosts.length;
  }

  update(hosts: readonly UpstreamHost[], panic: boolean): void {
    this.hosts = candidates(hosts, panic);
    const n = this.hosts.length;
    const size = MAGLEV_TABLE_SIZE;
    if (n === 0) {
      this.table = new Int32Array(0);
      return;
    }
    const table = new Int32Array(size).fill(-1);
    let sum = 0;
    for (const h of this.hosts) sum += weightOf(h);
    const weight = new Float64Array(n);
    const target = new Float64Array(n);
    const offset = new Float64Array(n);
    const skip = new Float64Array(n);
    const next = new Float64Array(n);
    let maxWeight = 0;
    for (let i = 0; i < n; i++) {
      const h = this.hosts[i] as UpstreamHost;
      weight[i] = weightOf(h) / sum;
      maxWeight = Math.max(maxWeight, weight[i] ?? 0);
      const [o, s] = permutation(hostKey(h.address, h.port));
      offset[i] = o;
      skip[i] = s;
    }
    let filled = 0;
    for (let iteration = 1; filled < size; iteration++) {
      for (let i = 0; i < n && filled < size; i++) {
        // a host of maximum weight takes a slot every iteration; one of a third of it, every third
        if (iteration * (weight[i] ?? 0) < (target[i] ?? 0)) continue;
        target[i] = (target[i] ?? 0) + maxWeight;
        let c = ((offset[i] ?? 0) + (skip[i] ?? 1) * (next[i] ?? 0)) % size;
        while ((table[c] ?? 0) >= 0) {
          next[i] = (next[i] ?? 0) + 1;
          c = ((offset[i] ?? 0) + (skip[i] ?? 1) * (next[i] ?? 0)) % size;
        }
        table[c] = i;
        next[i] = (next[i] ?? 0) + 1;
        filled++;
      }
    }
    this.table = table;
  }

  pick(ctx: LbContext | undefined, attempt = 0): UpstreamHost | null {
    const len = this.table.length;
    if (len === 0) return null;
    let h = ctx?.hash !== undefined ? Math.abs(ctx.hash) : Math.floor(Math.random() * 4294967296);
    // A host reselection (retry host predicate) flips many bits of the hash, as Envoy does, so
    // successive attempts land far apart in the table.
    if (attempt > 0) h = (h ^ (0xffffffff - attempt + 1)) >>> 0;
    return this.hosts[this.table[h % len] ?? 0] ?? null;
  }
}
