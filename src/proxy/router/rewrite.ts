// Per-request outputs of a route: the upstream path after rewrites, the redirect Location,
// and the cluster a forward action picks.
import { PathMatchKind, type CompiledRoute, type ForwardAction, type RedirectAction } from "./route.js";
import { stripHostPort } from "./route-config.js";
import type { HeaderSource } from "./request-view.js";

function applyRewrite(route: CompiledRoute, path: string, prefix: string | null, regex: ForwardAction["regexRewrite"]): string {
  if (prefix === null && regex === null) return path;
  let q = path.indexOf("?");
  if (q < 0) q = path.length;
  if (prefix !== null && (route.pathKind === PathMatchKind.Prefix || route.pathKind === PathMatchKind.SeparatedPrefix || route.pathKind === PathMatchKind.Path)) {
    const n = route.pathKind === PathMatchKind.Path ? q : route.pathValue.length;
    return prefix + path.slice(n);
  }
  if (regex !== null) {
    regex.re.lastIndex = 0;
    return path.slice(0, q).replace(regex.re, regex.sub) + path.slice(q);
  }
  return path;
}

/** The path sent upstream (query kept). */
export function upstreamPath(route: CompiledRoute, path: string): string {
  const f = route.forward;
  return f === null ? path : applyRewrite(route, path, f.prefixRewrite, f.regexRewrite);
}

/** The Location header for a redirect route. */
export function redirectLocation(route: CompiledRoute, r: RedirectAction, scheme: string, authority: string, path: string): string {
  const newScheme = r.scheme ?? scheme;
  let host = r.host ?? authority;
  if (r.port !== 0) host = `${stripHostPort(host)}:${r.port}`;
  else if (r.host === null && newScheme !== scheme) {
    const hp = stripHostPort(host);
    if (host.endsWith(":80") || host.endsWith(":443")) host = hp;
  }
  let q = path.indexOf("?");
  if (q < 0) q = path.length;
  let query = r.stripQuery ? "" : path.slice(q);
  let p: string;
  if (r.path !== null) {
    p = r.path;
    const pq = p.indexOf("?");
    if (pq >= 0) { if (!r.stripQuery) query = p.slice(pq); p = p.slice(0, pq); }
  } else p = applyRewrite(route, path.slice(0, q), r.prefixRewrite, r.regexRewrite);
  return `${newScheme}://${host}${p}${query}`;
}

/** The cluster name a forward action picks, or null (cluster_header absent). */
export function pickClusterName(f: ForwardAction, headers: HeaderSource, random: () => number = Math.random): string | null {
  if (f.cluster !== null) return f.cluster;
  if (f.clusterHeader !== null) return headers.get(f.clusterHeader) ?? null;
  const w = f.weighted as NonNullable<ForwardAction["weighted"]>;
  let x = Math.floor(random() * f.totalWeight);
  for (let i = 0; i < w.length; i++) {
    const c = w[i] as (typeof w)[number];
    if (x < c.weight) return c.name;
    x -= c.weight;
  }
  return (w[w.length - 1] as (typeof w)[number]).name;
}

export function weightedClusterEntry(f: ForwardAction, name: string): NonNullable<ForwardAction["weighted"]>[number] | undefined {
  if (f.weighted === null) return undefined;
  for (const c of f.weighted) if (c.name === name) return c;
  return undefined;
}
