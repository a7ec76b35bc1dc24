// The DNS proxy's name table: mesh hosts (service FQDNs, ServiceEntry hosts) → addresses, with
// the short names a pod in namespace N resolves as Kubernetes does (`reviews`, `reviews.N`,
// `reviews.N.svc`, `reviews.N.svc.cluster.local`).

export interface DnsTableInput {
  /** The pod's namespace, for short names and search domains. */
  namespace: string;
  /** The cluster domain (default cluster.local). */
  domain?: string;
  /** Host name → IPv4 addresses (Kubernetes service FQDNs and ServiceEntry hosts, with VIPs). */
  hosts: Readonly<Record<string, readonly string[]>>;
}

export type DnsLookup =
  | { kind: "answer"; addresses: readonly string[] }
  | { kind: "nxdomain" }
  | { kind: "forward" };

const trimDot = (s: string): string => s.toLowerCase().replace(/\.$/, "");

export class DnsTable {
  private readonly names = new Map<string, readonly string[]>();
  private readonly searchSuffixes: string[];
  private readonly domain: string;

  constructor(input: DnsTableInput) {
    this.domain = trimDot(input.domain ?? "cluster.local");
    const ns = trimDot(input.namespace);
    this.searchSuffixes = [`.${ns}.svc.${this.domain}`, `.svc.${this.domain}`, `.${this.domain}`];
    const svcSuffix = `.svc.${this.domain}`;
    for (const [rawHost, addrs] of Object.entries(input.hosts)) {
      const host = trimDot(rawHost);
      if (host === "" || addrs.length === 0) continue;
      this.add(host, addrs);
      if (!host.endsWith(svcSuffix)) continue;
      // name.ns.svc.<domain> → name.ns.svc, name.ns, and name in the pod's own namespace.
      const [name, hostNs] = host.slice(0, -svcSuffix.length).split(".");
      if (name === undefined || hostNs === undefined) continue;
      this.add(`${name}.${hostNs}.svc`, addrs);
      this.add(`${name}.${hostNs}`, addrs);
      if (hostNs === ns) this.add(name, addrs);
    }
  }

  private add(name: string, addrs: readonly string[]): void {
    if (!this.names.has(name)) this.names.set(name, addrs);
  }

  /** What to do with a query for `qname`: answer, NXDOMAIN (unknown under the cluster domain), or forward. */
  lookup(qname: string): DnsLookup {
    const name = trimDot(qname);
    const direct = this.names.get(name);
    if (direct) return { kind: "answer", addresses: direct };
    // A stub resolver appends the pod's search domains: "reviews.default" + ".default.svc.cluster.local".
    for (const suffix of this.searchSuffixes) {
      if (!name.endsWith(suffix)) continue;
      const hit = this.names.get(name.slice(0, -suffix.length));
      if (hit) return { kind: "answer", addresses: hit };
    }
    if (name === this.domain || name.endsWith(`.${this.domain}`)) return { kind: "nxdomain" };
    return { kind: "forward" };
  }

  /** How many names (with their short forms) the table answers. */
  get size(): number {
    return this.names.size;
  }
}
