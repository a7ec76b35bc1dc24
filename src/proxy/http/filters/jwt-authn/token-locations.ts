// Where a provider's tokens are read from: headers (with value_prefix), query parameters, cookies.
import type { HttpStream } from "../http-filter.js";
import type { JwtProvider } from "./jwt-provider.js";

export interface FoundToken {
  readonly provider: JwtProvider;
  readonly token: string;
  /** The header it came from ("" for params and cookies): removed when forward is off. */
  readonly header: string;
}

function queryParam(path: string, name: string): string | undefined {
  const q = path.indexOf("?");
  if (q < 0) return undefined;
  for (const kv of path.slice(q + 1).split("&")) {
    const eq = kv.indexOf("=");
    if ((eq < 0 ? kv : kv.slice(0, eq)) === name) {
      try { return decodeURIComponent(eq < 0 ? "" : kv.slice(eq + 1)); } catch { return undefined; }
    }
  }
  return undefined;
}

function cookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function extractTokens(ex: HttpStream, p: JwtProvider, out: FoundToken[]): void {
  for (const h of p.headers) {
    const v = ex.headers.get(h.name);
    if (v === undefined) continue;
    if (h.prefix !== "") {
      if (!v.toLowerCase().startsWith(h.prefix.toLowerCase())) continue;
      const t = v.slice(h.prefix.length).trim();
      if (t !== "") out.push({ provider: p, token: t, header: h.name });
    } else if (v.trim() !== "") {
      out.push({ provider: p, token: v.trim(), header: h.name });
    }
  }
  for (const name of p.params) {
    const v = queryParam(ex.record.path, name);
    if (v !== undefined && v !== "") out.push({ provider: p, token: v, header: "" });
  }
  if (p.cookies.length > 0) {
    const c = ex.headers.get("cookie");
    for (const name of p.cookies) {
      const v = cookie(c, name);
      if (v !== undefined && v !== "") out.push({ provider: p, token: v, header: "" });
    }
  }
}
