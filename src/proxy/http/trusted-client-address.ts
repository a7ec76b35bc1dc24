// Envoy's trusted client address (HTTP connection manager, x-forwarded-for): which address a
// request comes from, for RBAC remote_ip, access logs, tracing and x-envoy-external-address.

/**
 * The trusted client address from the request's x-forwarded-for as received (before this proxy
 * appends to it) and the connection's peer address:
 * - use_remote_address false: the (N+1)th address from the right of XFF, N = xff_num_trusted_hops;
 * - use_remote_address true: the Nth address from the right (N = 0: the peer itself);
 * - XFF shorter than that (or absent): the peer address.
 */
export function trustedClientAddress(xff: string | undefined, peer: string, useRemoteAddress: boolean, trustedHops: number): string {
  const fromRight = useRemoteAddress ? trustedHops : trustedHops + 1;
  if (xff === undefined || fromRight === 0) return peer;
  let end = xff.length;
  for (let k = 1; ; k++) {
    const comma = xff.lastIndexOf(",", end - 1);
    if (k === fromRight) {
      const a = xff.slice(comma + 1, end).trim();
      return a === "" ? peer : a;
    }
    if (comma < 0) return peer; // fewer than `fromRight` addresses
    end = comma;
  }
}

/** RFC 1918 and RFC 4193 addresses: what Envoy calls internal when it classifies a request's origin. */
export function isInternalAddress(ip: string): boolean {
  const a = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  if (a.startsWith("10.") || a.startsWith("192.168.")) return true;
  if (a.startsWith("172.")) {
    const second = Number(a.slice(4, a.indexOf(".", 4)));
    return second >= 16 && second <= 31;
  }
  // fc00::/7: a first group of four hex digits starting fc or fd
  const group = a.slice(0, a.indexOf(":"));
  const lead = group.slice(0, 2).toLowerCase();
  return group.length === 4 && (lead === "fc" || lead === "fd");
}

/**
 * The request is internal when use_remote_address is on, it has no XFF and the peer is internal
 * (Envoy's rule); only then does Envoy leave x-envoy-external-address unset.
 */
export function isExternalRequest(xff: string | undefined, peer: string): boolean {
  return xff !== undefined || !isInternalAddress(peer);
}
