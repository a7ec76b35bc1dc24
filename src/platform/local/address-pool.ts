// Pod addresses. REDIRECT: one subnet of 198.18.0.0/15 (RFC 2544) behind a bridge whose gateway
// takes .1; NONE: loopback addresses (all of 127.0.0.0/8 routes to lo on Linux), the pod address
// from one /16 and the app's own address (where the sidecar forwards inbound) from the next.
import { MizzenError } from "../../errors.js";

function toInt(ip: string): number {
  const p = ip.split(".").map(Number);
  return (((p[0] ?? 0) << 24) >>> 0) + ((p[1] ?? 0) << 16) + ((p[2] ?? 0) << 8) + (p[3] ?? 0);
}
const toIp = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");

export interface PodAddresses {
  /** The pod's address (the sidecar's, as Kubernetes' podIP). */
  ip: string;
  /** Where the app listens: the pod address in REDIRECT, its own loopback address in NONE. */
  appAddress: string;
}

export class AddressPool {
  private next: number;
  private readonly last: number;
  private readonly free: number[] = [];
  private readonly inUse = new Set<number>();

  /** `first`..`last` inclusive; `appOffset` (NONE) shifts the app's address by that many addresses. */
  constructor(first: string, last: string, private readonly appOffset = 0) {
    this.next = toInt(first);
    this.last = toInt(last);
  }

  /** 198.18.<subnet>.2 … .254 behind gateway .1 (REDIRECT). */
  static redirect(subnet = 0): AddressPool {
    return new AddressPool(`198.18.${subnet}.2`, `198.18.${subnet}.254`);
  }

  /** 127.18.0.2 … 127.18.255.254 for pods, the app at the same place in 127.19.0.0/16 (NONE). */
  static loopback(): AddressPool {
    return new AddressPool("127.18.0.2", "127.18.255.254", 1 << 16);
  }

  /** One mesh's share of the loopback: 127.18.<n>.2 … .254, apps at 127.19.<n>.x (NONE meshes side by side). */
  static loopbackSubnet(n: number): AddressPool {
    if (!Number.isInteger(n) || n < 0 || n > 255) throw new MizzenError("MIZZEN_ERR_ADDRESSES", `loopback subnet ${n} is not 0..255`);
    return new AddressPool(`127.18.${n}.2`, `127.18.${n}.254`, 1 << 16);
  }

  allocate(): PodAddresses {
    let n = this.free.shift();
    if (n === undefined) {
      // Skip .0 and .255 so no address looks like a network or broadcast address.
      while (this.next <= this.last && ((this.next & 255) === 0 || (this.next & 255) === 255)) this.next++;
      if (this.next > this.last) throw new MizzenError("MIZZEN_ERR_ADDRESSES_EXHAUSTED", `no pod addresses left (last ${toIp(this.last)})`);
      n = this.next++;
    }
    this.inUse.add(n);
    return { ip: toIp(n), appAddress: toIp(n + this.appOffset) };
  }

  release(ip: string): void {
    const n = toInt(ip);
    if (this.inUse.delete(n)) this.free.push(n);
  }
}
