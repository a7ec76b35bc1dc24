// PeerAuthentication STRICT refusals: a plaintext connection that no chain accepts while chains for
// its port require TLS is a refused plaintext caller. Logged at info with the caller's address and
// the port, at most once per caller address per window, so a scanner cannot flood the log.
import type { CompiledChainMatch } from "./chain-match.js";

/** One line per caller address per this window (Istio users read these while turning on STRICT). */
export const REFUSAL_LOG_WINDOW_MS = 10_000;
/** Bound on remembered callers; older entries are dropped first. */
const MAX_CALLERS = 4096;

/** True when the connection was plaintext and the chains for its port (Envoy's first criterion:
 * chains naming the port, else chains leaving it unset) all demand TLS. */
export function isStrictRefusal(chains: readonly { readonly match: CompiledChainMatch }[], transportProtocol: string, port: number): boolean {
  if (transportProtocol === "tls") return false;
  const named = chains.some((c) => c.match.destinationPort === port);
  let tlsOnly = false;
  for (const c of chains) {
    if (c.match.destinationPort !== (named ? port : undefined)) continue;
    if (c.match.transportProtocol !== "tls") return false;
    tlsOnly = true;
  }
  return tlsOnly;
}

export class RefusalLogLimiter {
  private readonly lastLogged = new Map<string, number>();

  constructor(private readonly windowMs = REFUSAL_LOG_WINDOW_MS, private readonly now: () => number = Date.now) {}

  /** True when a line for this caller address may be written now (and records it). */
  allow(callerAddress: string): boolean {
    const t = this.now();
    const last = this.lastLogged.get(callerAddress);
    if (last !== undefined && t - last < this.windowMs) return false;
    this.lastLogged.delete(callerAddress);
    if (this.lastLogged.size >= MAX_CALLERS) {
      const oldest = this.lastLogged.keys().next();
      if (!oldest.done) this.lastLogged.delete(oldest.value);
    }
    this.lastLogged.set(callerAddress, t);
    return true;
  }
}

export function refusalLine(callerIp: string, callerPort: number, port: number): string {
  return `refused plaintext connection from ${callerIp}:${callerPort} to inbound port ${port}: PeerAuthentication STRICT requires mTLS`;
}
