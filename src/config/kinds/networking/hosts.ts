// Host relations Istio uses (pkg/config/host): whether two hosts overlap, and subset-of for SNI hosts.

/** True when some name matches both hosts ("*.foo.com" and "a.foo.com", "*" and anything). */
export function hostsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  if (a === "*" || b === "*") return true;
  if (a.startsWith("*") && b.endsWith(a.slice(1))) return true;
  if (b.startsWith("*") && a.endsWith(b.slice(1))) return true;
  return false;
}

/** True when every name `sub` matches is also matched by `sup`. */
export function hostSubsetOf(sub: string, sup: string): boolean {
  if (sub === sup || sup === "*") return true;
  if (!sup.startsWith("*")) return false;
  const suffix = sup.slice(1);
  return sub.startsWith("*") ? sub.slice(1).endsWith(suffix) : sub.endsWith(suffix);
}
