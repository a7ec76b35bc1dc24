// STRICT_DNS (every address of every endpoint name) and LOGICAL_DNS (the first address of its one
// endpoint): resolved at start and every dns_refresh_rate with node's dns.lookup. A failed lookup
// keeps that name's previous addresses.
import type { HostSpec } from "../host.js";
import type { DnsLookupFamily } from "../cluster-config.js";
import { nodeDns } from "../../lazy-builtins.js";

export interface LookupAddress {
  address: string;
  family: number;
}

/** dns.lookup with { all: true }, as a promise. */
export type LookupFn = (hostname: string, family: 0 | 4 | 6) => Promise<LookupAddress[]>;

export const systemLookup: LookupFn = (hostname, family) =>
  new Promise((resolve, reject) => {
    nodeDns().lookup(hostname, { all: true, family }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

export interface DnsDiscoveryOptions {
  readonly endpoints: readonly HostSpec[];
  readonly logical: boolean;
  readonly refreshMs: number;
  readonly family: DnsLookupFamily;
  readonly lookup: LookupFn;
  /** Receives the resolved hosts after each round. */
  readonly onHosts: (hosts: HostSpec[]) => void;
  /** Counts failures (stat update_failure). */
  readonly onFailure: (hostname: string, error: unknown) => void;
}

export class DnsDiscovery {
  private timer: NodeJS.Timeout | undefined;
  private readonly last = new Map<HostSpec, HostSpec[]>();
  private stopped = false;
  private inflight: Promise<void> | undefined;

  constructor(private readonly o: DnsDiscoveryOptions) {}

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.o.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One resolution round (concurrent calls share it). */
  refresh(): Promise<void> {
    this.inflight ??= this.resolveAll().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private family(): 0 | 4 | 6 {
    const f = this.o.family;
    return f === "V4_ONLY" ? 4 : f === "V6_ONLY" ? 6 : 0;
  }

  private async resolveAll(): Promise<void> {
    await Promise.all(this.o.endpoints.map(async (ep) => {
      try {
        let addrs = await this.o.lookup(ep.address, this.family());
        if (this.o.family === "V4_PREFERRED" && addrs.some((a) => a.family === 4)) addrs = addrs.filter((a) => a.family === 4);
        if (this.o.logical) addrs = addrs.slice(0, 1);
        if (addrs.length === 0) throw new Error("no addresses");
        this.last.set(ep, addrs.map((a) => ({ ...ep, address: a.address, hostname: ep.address })));
      } catch (e) {
        this.o.onFailure(ep.address, e);
      }
    }));
    if (this.stopped) return;
    const hosts: HostSpec[] = [];
    for (const ep of this.o.endpoints) hosts.push(...(this.last.get(ep) ?? []));
    this.o.onHosts(hosts);
  }
}
