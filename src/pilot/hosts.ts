// Host names as Istio compares them: short names resolved in the config's namespace, wildcards.

/** "reviews" in namespace "default" → "reviews.default.svc.cluster.local"; names with dots and "*" stay. */
export function resolveHost(host: string, namespace: string, domainSuffix = "cluster.local"): string {
  if (host === "*" || host.includes(".")) return host;
  return `${host}.${namespace}.svc.${domainSuffix}`;
}

/** Whether `pattern` ("*", "*.example.com" or exact) matches the concrete or wildcard `host`. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === "*" || pattern === host) return true;
  if (pattern.startsWith("*")) {
    const suffix = pattern.slice(1);
    return host.endsWith(suffix) && host.length > suffix.length;
  }
  return false;
}

/** Whether two host patterns share at least one host. */
export function hostsIntersect(a: string, b: string): boolean {
  return hostMatches(a, b) || hostMatches(b, a);
}

/** The narrower of two intersecting hosts (the one matched by the other). */
export function narrowerHost(a: string, b: string): string {
  return hostMatches(a, b) ? b : a;
}

/** Higher is more specific: exact hosts beat wildcards, longer wildcards beat shorter. */
export function hostSpecificity(pattern: string): number {
  return pattern.startsWith("*") ? pattern.length : 1_000_000 + pattern.length;
}
