// IP addresses and CIDR ranges (envoy.config.core.v3.CidrRange), compiled to bytes for matching.
import { isIP } from "node:net";
import type { EnvoyJson } from "../contracts.js";
import { invalid, optInt, reqString } from "./envoy-fields.js";

export interface Cidr {
  readonly bytes: Uint8Array;
  readonly prefixLen: number;
}

/** Parses an IPv4/IPv6 address; IPv4-mapped IPv6 ("::ffff:1.2.3.4") becomes IPv4. Null if not an IP. */
export function parseIp(s: string): Uint8Array | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(s);
  const addr = mapped?.[1] ?? s;
  const kind = isIP(addr);
  if (kind === 4) return Uint8Array.from(addr.split(".").map(Number));
  if (kind !== 6) return null;
  const [head = "", tail] = addr.split("::") as [string, string | undefined];
  const groups = (part: string): number[] => {
    if (part === "") return [];
    const out: number[] = [];
    for (const g of part.split(":")) {
      if (g.includes(".")) {
        const v4 = g.split(".").map(Number);
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => { bytes[i * 2] = g >> 8; bytes[i * 2 + 1] = g & 0xff; });
  return bytes;
}

export function compileCidr(c: EnvoyJson, field: string): Cidr {
  const prefix = reqString(c, "address_prefix", field);
  const bytes = parseIp(prefix);
  if (!bytes) throw invalid(`${field}.address_prefix`, `"${prefix}" is not an IP address`);
  const prefixLen = optInt(c, "prefix_len", field) ?? bytes.length * 8;
  if (prefixLen < 0 || prefixLen > bytes.length * 8) throw invalid(`${field}.prefix_len`, `must be 0..${bytes.length * 8}`);
  return { bytes, prefixLen };
}

export function cidrContains(c: Cidr, ip: Uint8Array): boolean {
  if (c.bytes.length !== ip.length) return false;
  let bits = c.prefixLen;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((c.bytes[i] ?? 0) & mask) !== ((ip[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** Longest matching prefix length + 1, or 0 when none matches. */
export function bestCidrMatch(ranges: readonly Cidr[], ip: Uint8Array | null): number {
  if (!ip) return 0;
  let best = 0;
  for (const c of ranges) if (c.prefixLen + 1 > best && cidrContains(c, ip)) best = c.prefixLen + 1;
  return best;
}

export function isLoopback(ip: Uint8Array | null): boolean {
  if (!ip) return false;
  if (ip.length === 4) return ip[0] === 127;
  return ip.every((b, i) => (i === 15 ? b === 1 : b === 0));
}
