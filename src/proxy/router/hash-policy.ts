// Route hash policies (header, cookie, source IP, query parameter) producing the hash handed
// to the cluster's load balancer (RING_HASH / MAGLEV).
import { invalid, obj, str, bool, arr } from "./envoy-json.js";
import { queryParam } from "./header-match.js";
import type { HeaderSource } from "./request-view.js";

export const enum HashKind { Header, Cookie, SourceIp, QueryParam }

export interface HashPolicy {
  readonly kind: HashKind;
  readonly name: string;
  readonly terminal: boolean;
}

export function compileHashPolicies(v: unknown, field: string): HashPolicy[] {
  return arr(v, field).map((item, i) => {
    const f = `${field}[${i}]`;
    const o = obj(item, f) ?? {};
    const terminal = bool(o["terminal"], `${f}.terminal`) ?? false;
    const h = obj(o["header"], `${f}.header`);
    if (h) return { kind: HashKind.Header, name: (str(h["header_name"], `${f}.header.header_name`) ?? "").toLowerCase(), terminal };
    const c = obj(o["cookie"], `${f}.cookie`);
    if (c) return { kind: HashKind.Cookie, name: str(c["name"], `${f}.cookie.name`) ?? "", terminal };
    const cp = obj(o["connection_properties"], `${f}.connection_properties`);
    if (cp) return { kind: HashKind.SourceIp, name: "", terminal };
    const q = obj(o["query_parameter"], `${f}.query_parameter`);
    if (q) return { kind: HashKind.QueryParam, name: str(q["name"], `${f}.query_parameter.name`) ?? "", terminal };
    throw invalid(f, "needs header, cookie, connection_properties or query_parameter");
  });
}

/** 32-bit FNV-1a. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function cookieValue(cookieHeader: string, name: string): string | undefined {
  let i = 0;
  while (i < cookieHeader.length) {
    while (cookieHeader.charCodeAt(i) === 32) i++;
    let semi = cookieHeader.indexOf(";", i);
    if (semi < 0) semi = cookieHeader.length;
    const eq = cookieHeader.indexOf("=", i);
    if (eq > 0 && eq < semi && eq - i === name.length && cookieHeader.startsWith(name, i)) return cookieHeader.slice(eq + 1, semi);
    i = semi + 1;
  }
  return undefined;
}

/** Combined hash of the policies that produced a value, or undefined when none did. */
export function computeHash(policies: readonly HashPolicy[], headers: HeaderSource, query: string, sourceIp: string): number | undefined {
  let hash: number | undefined;
  for (const p of policies) {
    let v: string | undefined;
    switch (p.kind) {
      case HashKind.Header: v = headers.get(p.name); break;
      case HashKind.Cookie: { const c = headers.get("cookie"); v = c === undefined ? undefined : cookieValue(c, p.name); break; }
      case HashKind.SourceIp: v = sourceIp || undefined; break;
      case HashKind.QueryParam: v = queryParam(query, p.name); break;
    }
    if (v === undefined) continue;
    const h = hashString(v);
    hash = hash === undefined ? h : (((hash << 1) | (hash >>> 31)) ^ h) >>> 0;
    if (p.terminal) break;
  }
  return hash;
}
