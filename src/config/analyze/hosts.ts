// Host names as Istio resolves them in config: short names are relative to the resource's namespace.

export const DOMAIN_SUFFIX = "svc.cluster.local";

/** `reviews` in `default` → `reviews.default.svc.cluster.local`; names with a dot, and `*`, stay as written. */
export function toFqdn(host: string, namespace: string): string {
  if (host === "*" || host.includes(".")) return host;
  return `${host}.${namespace}.${DOMAIN_SUFFIX}`;
}

/**
 * Istio's host.Name.Matches: true when the two names have a common match (either may be a
 * wildcard `*.example.com`, or `*`).
 */
export function hostsMatch(a: string, b: string): boolean {
  if (a === b) return true;
  const aw = a.startsWith("*");
  const bw = b.startsWith("*");
  if (aw && bw) {
    const as = a.slice(1);
    const bs = b.slice(1);
    return as.length > bs.length ? as.endsWith(bs) : bs.endsWith(as);
  }
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return false;
}

/** Istio's host.Name.SubsetOf: every name `a` matches is also matched by `b`. */
export function hostSubsetOf(a: string, b: string): boolean {
  if (b.startsWith("*")) {
    if (a.startsWith("*")) return a.slice(1).endsWith(b.slice(1));
    return a.endsWith(b.slice(1));
  }
  return a === b;
}
