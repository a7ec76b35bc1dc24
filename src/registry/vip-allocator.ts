// Virtual IPs for services that have none of their own. Addresses stay with a host for as long as
// it exists, so a config change elsewhere never renumbers a service.
//
// Ranges (documented choices):
// - ServiceEntry auto-allocation: 240.240.0.0/16, as Istio's DNS proxy auto-allocation (class E,
//   never routed on the Internet, so an allocated VIP cannot collide with a real destination).
// - Kubernetes Services without spec.clusterIP (manifests of the local platform): 10.96.0.0/16,
//   the start of Kubernetes' default service CIDR, where a cluster would have put them.
import { MizzenError } from "../errors.js";

export const SERVICE_ENTRY_VIP_BASE = "240.240.0.0";
export const SERVICE_VIP_BASE = "10.96.0.0";

function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** Hands out addresses from a /16, skipping .0 and .255 host parts and addresses in use elsewhere. */
export class VipAllocator {
  private readonly byHost = new Map<string, string>();
  private readonly used = new Set<string>();
  private readonly base: number;
  private next = 1;

  constructor(base: string) {
    this.base = ipToInt(base);
  }

  /**
   * Keeps only the hosts in `live`, then gives each host in `wanted` its address (a new one when
   * it has none). `reserved` are addresses owned by others (explicit clusterIPs) never handed out.
   */
  allocate(wanted: readonly string[], reserved: ReadonlySet<string>): ReadonlyMap<string, string> {
    const live = new Set(wanted);
    for (const [host, ip] of this.byHost) {
      if (!live.has(host)) {
        this.byHost.delete(host);
        this.used.delete(ip);
      }
    }
    for (const host of [...wanted].sort()) {
      if (this.byHost.has(host)) continue;
      const ip = this.take(reserved);
      this.byHost.set(host, ip);
      this.used.add(ip);
    }
    return this.byHost;
  }

  private take(reserved: ReadonlySet<string>): string {
    for (let tries = 0; tries < 65536; tries++) {
      const n = this.next;
      this.next = this.next >= 65534 ? 1 : this.next + 1;
      const low = n % 256;
      if (low === 0 || low === 255) continue;
      const ip = intToIp(this.base + n);
      if (!this.used.has(ip) && !reserved.has(ip)) return ip;
    }
    throw new MizzenError("MIZZEN_ERR_REGISTRY_VIP_EXHAUSTED", `no free virtual IP left in ${intToIp(this.base)}/16`);
  }
}
