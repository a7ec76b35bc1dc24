// VirtualService TCP and TLS routes → filter chains of a TCP listener: TLS routes by SNI
// (server_names), TCP routes by destination subnet, and the default chain.
import type { TCPRoute, TLSRoute } from "../config/kinds/networking/index.js";
import { tcpProxyFilter, type EnvoyJson } from "./envoy.js";
import { resolveHost } from "./hosts.js";
import { destinationCluster, type RouteContext } from "./http-route.js";
import type { IndexedVirtualService } from "./push-context.js";

type L4Match = { port?: number | undefined; sourceLabels?: Record<string, string> | undefined; gateways?: string[] | undefined; sourceNamespace?: string | undefined; destinationSubnets?: string[] | undefined };

function l4Applies(m: L4Match, ctx: RouteContext, ns: string): boolean {
  if (m.port !== undefined && m.port !== 0 && m.port !== ctx.port) return false;
  if (m.gateways && m.gateways.length > 0) {
    const gws = m.gateways.map((g) => (g === "mesh" || g.includes("/") ? g : `${ns}/${g}`));
    if (!gws.includes(ctx.gateway)) return false;
  }
  for (const [k, v] of Object.entries(m.sourceLabels ?? {})) if (ctx.sourceLabels[k] !== v) return false;
  return m.sourceNamespace === undefined || m.sourceNamespace === ctx.sourceNamespace;
}

function tcpFilterFor(route: TCPRoute["route"], ns: string, ctx: RouteContext, statPrefix: string): EnvoyJson | undefined {
  const dests = route ?? [];
  const first = dests[0];
  if (!first) return undefined;
  if (dests.length === 1) return tcpProxyFilter(statPrefix, destinationCluster(first.destination, ns, ctx));
  return tcpProxyFilter(statPrefix, dests.map((d) => ({ name: destinationCluster(d.destination, ns, ctx), weight: d.weight ?? 0 })));
}

function subnetRanges(subnets: readonly string[] | undefined): EnvoyJson[] | undefined {
  if (!subnets || subnets.length === 0) return undefined;
  return subnets.map((s) => {
    const [ip = s, len] = s.split("/");
    return { address_prefix: ip, prefix_len: len === undefined ? (ip.includes(":") ? 128 : 32) : Number(len) };
  });
}

/**
 * Filter chains for the VirtualServices of one host on a TCP/TLS port: a chain per TLS route
 * match (by SNI) and per TCP route match (by destination subnet, or the default chain).
 * Returns the chains and the default chain's filter, if a route supplied one.
 */
export function l4FilterChains(vss: readonly IndexedVirtualService[], ctx: RouteContext, statPrefix: string): { chains: EnvoyJson[]; fallback: EnvoyJson | undefined } {
  const chains: EnvoyJson[] = [];
  let fallback: EnvoyJson | undefined;
  for (const v of vss) {
    for (const t of v.vs.spec.tls ?? []) chains.push(...tlsChains(t, v, ctx, statPrefix));
    for (const t of v.vs.spec.tcp ?? []) {
      const matches = t.match ?? [];
      const applicable = matches.filter((m) => l4Applies(m, ctx, v.namespace));
      if (matches.length > 0 && applicable.length === 0) continue;
      const filter = tcpFilterFor(t.route, v.namespace, ctx, statPrefix);
      if (!filter) continue;
      const withSubnets = applicable.filter((m) => (m.destinationSubnets ?? []).length > 0);
      for (const m of withSubnets) chains.push({ filter_chain_match: { prefix_ranges: subnetRanges(m.destinationSubnets) }, filters: [filter] });
      if (withSubnets.length < applicable.length || matches.length === 0) fallback ??= filter;
    }
  }
  return { chains, fallback };
}

function tlsChains(t: TLSRoute, v: IndexedVirtualService, ctx: RouteContext, statPrefix: string): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  const filter = tcpFilterFor(t.route, v.namespace, ctx, statPrefix);
  if (!filter) return out;
  for (const m of t.match) {
    if (!l4Applies(m, ctx, v.namespace)) continue;
    const match: EnvoyJson = { server_names: m.sniHosts.map((h) => resolveHost(h, v.namespace, ctx.push.domainSuffix)) };
    const ranges = subnetRanges(m.destinationSubnets);
    if (ranges) match["prefix_ranges"] = ranges;
    out.push({ filter_chain_match: match, filters: [filter] });
  }
  return out;
}
