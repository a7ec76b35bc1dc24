// FilterChainMatch compiled once, and Envoy's selection order: for each criterion in turn
// (destination port, destination IP, server name, transport protocol, application protocols,
// direct source IP, source type, source IP, source port) keep the most specific chains that
// match; when none matches on a criterion, fall back to chains that leave it unset.
import type { EnvoyJson } from "../contracts.js";
import { bestCidrMatch, compileCidr, isLoopback, type Cidr } from "./cidr.js";
import { invalid, oneOfEnum, optArray, optInt, optObjects, optString, optStrings } from "./envoy-fields.js";

export interface CompiledChainMatch {
  readonly destinationPort?: number;
  readonly prefixRanges: readonly Cidr[];
  readonly serverNames: readonly string[];
  readonly transportProtocol?: string;
  readonly applicationProtocols: readonly string[];
  readonly directSourcePrefixRanges: readonly Cidr[];
  readonly sourceType: "ANY" | "SAME_IP_OR_LOOPBACK" | "EXTERNAL";
  readonly sourcePrefixRanges: readonly Cidr[];
  readonly sourcePorts: readonly number[];
}

/** What is known about a connection when its chain is chosen. */
export interface MatchInput {
  readonly destinationPort: number;
  readonly destinationIp: Uint8Array | null;
  readonly serverName: string;
  /** "tls" or "raw_buffer" (the default when nothing was detected). */
  readonly transportProtocol: string;
  readonly applicationProtocols: readonly string[];
  readonly sourceIp: Uint8Array | null;
  readonly sourcePort: number;
  readonly sourceIsLocal: boolean;
}

export function compileChainMatch(m: EnvoyJson | undefined, field: string): CompiledChainMatch {
  const o = m ?? {};
  const destinationPort = optInt(o, "destination_port", field);
  if (destinationPort !== undefined && (destinationPort < 1 || destinationPort > 65535)) throw invalid(`${field}.destination_port`, "must be 1..65535");
  const serverNames = optStrings(o, "server_names", field).map((s) => s.toLowerCase());
  serverNames.forEach((s, i) => {
    if (s.includes("*") && !(s.startsWith("*.") && !s.slice(1).includes("*"))) throw invalid(`${field}.server_names[${i}]`, `"${s}": only a leading "*." wildcard is allowed`);
  });
  const transportProtocol = optString(o, "transport_protocol", field);
  const sourcePorts = optArray(o, "source_ports", field);
  return {
    ...(destinationPort !== undefined ? { destinationPort } : {}),
    prefixRanges: optObjects(o, "prefix_ranges", field).map((c, i) => compileCidr(c, `${field}.prefix_ranges[${i}]`)),
    serverNames,
    ...(transportProtocol !== undefined && transportProtocol !== "" ? { transportProtocol } : {}),
    applicationProtocols: optStrings(o, "application_protocols", field),
    directSourcePrefixRanges: optObjects(o, "direct_source_prefix_ranges", field).map((c, i) => compileCidr(c, `${field}.direct_source_prefix_ranges[${i}]`)),
    sourceType: oneOfEnum(optString(o, "source_type", field), ["ANY", "SAME_IP_OR_LOOPBACK", "EXTERNAL"] as const, "ANY", `${field}.source_type`),
    sourcePrefixRanges: optObjects(o, "source_prefix_ranges", field).map((c, i) => compileCidr(c, `${field}.source_prefix_ranges[${i}]`)),
    sourcePorts: sourcePorts.map((p, i) => {
      const n = Number(p);
      if (!Number.isInteger(n)) throw invalid(`${field}.source_ports[${i}]`, "must be a port number");
      return n;
    }),
  };
}

/** Score of one criterion: -1 set but not matching, 0 unset, >0 matching (bigger = more specific). */
type Criterion = (m: CompiledChainMatch, c: MatchInput) => number;

function serverNameScore(names: readonly string[], sni: string): number {
  if (names.length === 0) return 0;
  const host = sni.toLowerCase();
  let best = -1;
  for (const n of names) {
    if (n === host) return 1_000_000;
    if (n.startsWith("*.") && host.endsWith(n.slice(1)) && host.length > n.length - 1) best = Math.max(best, n.length);
  }
  return best;
}

function cidrScore(ranges: readonly Cidr[], ip: Uint8Array | null): number {
  if (ranges.length === 0) return 0;
  const s = bestCidrMatch(ranges, ip);
  return s > 0 ? s : -1;
}

const CRITERIA: readonly Criterion[] = [
  (m, c) => (m.destinationPort === undefined ? 0 : m.destinationPort === c.destinationPort ? 1 : -1),
  (m, c) => cidrScore(m.prefixRanges, c.destinationIp),
  (m, c) => serverNameScore(m.serverNames, c.serverName),
  (m, c) => (m.transportProtocol === undefined ? 0 : m.transportProtocol === c.transportProtocol ? 1 : -1),
  (m, c) => (m.applicationProtocols.length === 0 ? 0 : m.applicationProtocols.some((p) => c.applicationProtocols.includes(p)) ? 1 : -1),
  (m, c) => cidrScore(m.directSourcePrefixRanges, c.sourceIp),
  (m, c) => (m.sourceType === "ANY" ? 0 : (m.sourceType === "SAME_IP_OR_LOOPBACK") === c.sourceIsLocal ? 1 : -1),
  (m, c) => cidrScore(m.sourcePrefixRanges, c.sourceIp),
  (m, c) => (m.sourcePorts.length === 0 ? 0 : m.sourcePorts.includes(c.sourcePort) ? 1 : -1),
];

/** Picks the chain Envoy would pick, or undefined (then the default chain, if any, applies). */
export function selectChain<T extends { readonly match: CompiledChainMatch }>(chains: readonly T[], input: MatchInput): T | undefined {
  let candidates: readonly T[] = chains;
  for (const criterion of CRITERIA) {
    if (candidates.length === 0) return undefined;
    let best = 0;
    const scores = candidates.map((ch) => {
      const s = criterion(ch.match, input);
      if (s > best) best = s;
      return s;
    });
    candidates = candidates.filter((_, i) => scores[i] === best);
  }
  return candidates[0];
}

export function isSourceLocal(source: Uint8Array | null, destination: Uint8Array | null): boolean {
  if (isLoopback(source)) return true;
  return source !== null && destination !== null && source.length === destination.length && source.every((b, i) => b === destination[i]);
}
