// envoy.config.core.v3.CidrRange compiled into a net.BlockList (IPv4 and IPv6).
import { BlockList, isIP } from "node:net";
import { int, invalid, obj, str } from "../../../router/envoy-json.js";

export class CidrSet {
  private readonly list = new BlockList();

  add(v: unknown, field: string): this {
    const o = obj(v, field) ?? {};
    const prefix = str(o["address_prefix"], `${field}.address_prefix`) ?? "";
    const family = isIP(prefix);
    if (family === 0) throw invalid(`${field}.address_prefix`, `"${prefix}" is not an IP address`);
    const len = int(o["prefix_len"], `${field}.prefix_len`) ?? (family === 4 ? 32 : 128);
    if (len < 0 || len > (family === 4 ? 32 : 128)) throw invalid(`${field}.prefix_len`, `${len} is out of range`);
    this.list.addSubnet(prefix, len, family === 4 ? "ipv4" : "ipv6");
    return this;
  }

  has(address: string): boolean {
    const a = address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(a);
    if (family === 0) return false;
    return this.list.check(a, family === 4 ? "ipv4" : "ipv6");
  }
}
