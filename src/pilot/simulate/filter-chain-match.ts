// Envoy's filter chain selection, for the simulator: criteria in Envoy's order (destination port,
// destination IP, server name, transport protocol, application protocols), each narrowing to the
// most specific chains that match, falling back to chains that do not set the criterion.
import type { EnvoyJson } from "../envoy.js";

export interface ConnectionFacts {
  readonly destinationIp: string;
  readonly destinationPort: number;
  /** SNI when the client speaks TLS. */
  readonly serverName: string | undefined;
  readonly transportProtocol: "tls" | "raw_buffer";
  readonly applicationProtocols: readonly string[];
}

type Chain = EnvoyJson;

function matchOf(c: Chain): EnvoyJson {
  return (c["filter_chain_match"] as EnvoyJson | undefined) ?? {};
}

/** Keeps the best-scoring chains among those setting the criterion (score > 0), else those without it. */
function narrow(chains: Chain[], has: (m: EnvoyJson) => boolean, score: (m: EnvoyJson) => number): Chain[] {
  let best = 0;
  let winners: Chain[] = [];
  for (const c of chains) {
    const m = matchOf(c);
    if (!has(m)) continue;
    const s = score(m);
    if (s > best) {
      best = s;
      winners = [c];
    } else if (s === best && s > 0) winners.push(c);
  }
  return winners.length > 0 ? winners : chains.filter((c) => !has(matchOf(c)));
}

function ipToInt(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!Number.isInteger(v) || v < 0 || v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

function prefixScore(ranges: EnvoyJson[], ip: string): number {
  const addr = ipToInt(ip);
  if (addr === undefined) return 0;
  let best = 0;
  for (const r of ranges) {
    const base = ipToInt(String(r["address_prefix"] ?? ""));
    const len = Number(r["prefix_len"] ?? 32);
    if (base === undefined) continue;
    const size = 2 ** (32 - len);
    if (Math.floor(addr / size) === Math.floor(base / size)) best = Math.max(best, len + 1);
  }
  return best;
}

function serverNameScore(names: string[], sni: string | undefined): number {
  if (sni === undefined) return 0;
  let best = 0;
  for (const n of names) {
    if (n === sni) best = Math.max(best, 1_000_000);
    else if (n.startsWith("*.") && sni.endsWith(n.slice(1))) best = Math.max(best, n.length);
  }
  return best;
}

/** The filter chain Envoy would pick, or undefined (the connection is closed). */
export function selectFilterChain(listener: EnvoyJson, facts: ConnectionFacts): Chain | undefined {
  let chains = [...((listener["filter_chains"] as Chain[] | undefined) ?? [])];
  chains = narrow(chains, (m) => m["destination_port"] !== undefined, (m) => (Number(m["destination_port"]) === facts.destinationPort ? 1 : 0));
  chains = narrow(chains, (m) => Array.isArray(m["prefix_ranges"]) && (m["prefix_ranges"] as unknown[]).length > 0, (m) => prefixScore(m["prefix_ranges"] as EnvoyJson[], facts.destinationIp));
  chains = narrow(chains, (m) => Array.isArray(m["server_names"]) && (m["server_names"] as unknown[]).length > 0, (m) => serverNameScore(m["server_names"] as string[], facts.serverName));
  chains = narrow(chains, (m) => typeof m["transport_protocol"] === "string", (m) => (m["transport_protocol"] === facts.transportProtocol ? 1 : 0));
  chains = narrow(
    chains,
    (m) => Array.isArray(m["application_protocols"]) && (m["application_protocols"] as unknown[]).length > 0,
    (m) => ((m["application_protocols"] as string[]).some((p) => facts.applicationProtocols.includes(p)) ? 1 : 0),
  );
  return chains[0] ?? (listener["default_filter_chain"] as Chain | undefined);
}
