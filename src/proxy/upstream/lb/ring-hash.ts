// RING_HASH (Ketama-style, as Envoy): each host gets ring entries hashed from "address_i" in
// proportion to its normalized weight; a request hash maps to the next entry clockwise, so adding
// a host moves only about 1/N of the keys. Without a request hash a random point is used.
import type { LbContext, UpstreamHost } from "../../contracts.js";
import { hostKey } from "../host.js";
import { candidates, weightOf, type LbConfig, type LoadBalancer } from "./load-balancer.js";
import { hashHigh32, ringKey } from "./xxhash64.js";

export class RingHashLb implements LoadBalancer {
  private hosts: UpstreamHost[] = [];
  private positions = new Uint32Array(0);
  private owners = new Int32Array(0);

  constructor(private readonly config: LbConfig) {}

  get size(): number {
    return this.hosts.length;
  }

  get ringSize(): number {
    return this.positions.length;
  }

  update(hosts: readonly UpstreamHost[], panic: boolean): void {
    this.hosts = candidates(hosts, panic);
    const n = this.hosts.length;
    if (n === 0) {
      this.positions = new Uint32Array(0);
      this.owners = new Int32Array(0);
      return;
    }
    let sum = 0;
    for (const h of this.hosts) sum += weightOf(h);
    let minNorm = 1;
    for (const h of this.hosts) minNorm = Math.min(minNorm, weightOf(h) / sum);
    const scale = Math.min(Math.ceil(minNorm * this.config.minRingSize) / minNorm, this.config.maxRingSize);
    const entries: Array<[number, number]> = [];
    let target = 0;
    let current = 0;
    for (let i = 0; i < n; i++) {
      const h = this.hosts[i] as UpstreamHost;
      const key = hostKey(h.address, h.port);
      target += scale * (weightOf(h) / sum);
      for (let k = 0; current < target; k++, current++) entries.push([hashHigh32(`${key}_${k}`), i]);
    }
    entries.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    this.positions = Uint32Array.from(entries, (e) => e[0]);
    this.owners = Int32Array.from(entries, (e) => e[1]);
  }

  pick(ctx: LbContext | undefined, attempt = 0): UpstreamHost | null {
    const len = this.positions.length;
    if (len === 0) return null;
    const key = ctx?.hash !== undefined ? ringKey(ctx.hash) : (Math.random() * 4294967296) >>> 0;
    // first entry at or after key, wrapping to 0
    let lo = 0;
    let hi = len;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.positions[mid] ?? 0) < key) lo = mid + 1;
      else hi = mid;
    }
    // A host reselection (retry host predicate) walks on along the ring, as Envoy: `attempt`
    // entries past the hashed one, which may still land on the same host.
    const start = ((lo === len ? 0 : lo) + attempt) % len;
    return this.hosts[this.owners[start] ?? 0] ?? null;
  }
}
