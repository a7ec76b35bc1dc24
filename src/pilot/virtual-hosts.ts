// Virtual hosts of a RouteConfiguration: the routes of the VirtualService for a host, or the
// default route to the service when there is none; Istio's domain lists.
import type { MeshService } from "../registry/index.js";
import { outboundClusterName, PASSTHROUGH_CLUSTER, type EnvoyJson } from "./envoy.js";
import { hostMatches, hostSpecificity } from "./hosts.js";
import { translateHttpRoute, type RouteContext } from "./http-route.js";
import type { IndexedVirtualService } from "./push-context.js";
import { retryPolicy } from "./route-policies.js";
import { includeAttemptCount, type ProxyScope } from "./scope.js";

/**
 * Istio's domains for a service seen from `proxyNamespace`: the FQDN, the short name (same
 * namespace only), `name.ns`, `name.ns.svc`, and the VIP — each with and without the port.
 */
export function serviceDomains(svc: MeshService, port: number, proxyNamespace: string, domainSuffix: string): string[] {
  const names = [svc.hostname];
  const k8sSuffix = `.${svc.namespace}.svc.${domainSuffix}`;
  if (svc.kind === "Service" && svc.hostname.endsWith(k8sSuffix)) {
    const short = svc.hostname.slice(0, -k8sSuffix.length);
    if (svc.namespace === proxyNamespace) names.push(short);
    names.push(`${short}.${svc.namespace}`, `${short}.${svc.namespace}.svc`);
  }
  if (svc.address) names.push(svc.address);
  return names.flatMap((n) => [n, `${n}:${port}`]);
}

/** The VirtualService for a host: an exact host match first, else the most specific wildcard. */
export function virtualServiceForHost(list: readonly IndexedVirtualService[], host: string): IndexedVirtualService | undefined {
  let best: IndexedVirtualService | undefined;
  let bestScore = -1;
  for (const v of list) {
    for (const h of v.hosts) {
      if (!hostMatches(h, host)) continue;
      const score = hostSpecificity(h);
      if (score > bestScore) {
        best = v;
        bestScore = score;
      }
    }
  }
  return best;
}

/**
 * virtualServiceForHost over an index built once per proxy: exact hosts in a map, wildcards by
 * specificity, so a table of many services does not scan every VirtualService per host.
 */
export class VirtualServiceIndex {
  private readonly exact = new Map<string, IndexedVirtualService>();
  private readonly wildcards: { host: string; vs: IndexedVirtualService }[] = [];

  constructor(list: readonly IndexedVirtualService[]) {
    for (const v of list) {
      for (const h of v.hosts) {
        if (h.startsWith("*")) this.wildcards.push({ host: h, vs: v });
        else if (!this.exact.has(h)) this.exact.set(h, v);
      }
    }
    // Stable sort: among equally specific wildcards the earlier VirtualService wins, as in the scan.
    this.wildcards.sort((a, b) => hostSpecificity(b.host) - hostSpecificity(a.host));
  }

  forHost(host: string): IndexedVirtualService | undefined {
    return this.exact.get(host) ?? this.wildcards.find((w) => hostMatches(w.host, host))?.vs;
  }
}

/** The routes of a VirtualService at a port, in order. */
export function virtualServiceRoutes(v: IndexedVirtualService, ctx: RouteContext): EnvoyJson[] {
  return (v.vs.spec.http ?? []).flatMap((r) => translateHttpRoute(r, v.namespace, ctx));
}

/** The route to the service itself when no VirtualService applies. */
export function defaultRoute(host: string, port: number, ctx: RouteContext): EnvoyJson {
  const action: EnvoyJson = { cluster: outboundClusterName(port, "", host), timeout: "0s" };
  const retry = retryPolicy(undefined, ctx.push.mesh);
  if (retry) action["retry_policy"] = retry;
  return { name: "default", match: { prefix: "/" }, route: action };
}

/** Drops domains already claimed by an earlier virtual host (Envoy rejects duplicates). */
export function dedupeDomains(vhosts: EnvoyJson[]): EnvoyJson[] {
  const seen = new Set<string>();
  const out: EnvoyJson[] = [];
  for (const vh of vhosts) {
    const domains = (vh["domains"] as string[]).filter((d) => {
      const k = d.toLowerCase();
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    if (domains.length > 0) out.push({ ...vh, domains });
  }
  return out;
}

/** The last virtual host: unknown hosts pass through (ALLOW_ANY) or get 502 (REGISTRY_ONLY). */
export function catchAllVirtualHost(scope: ProxyScope): EnvoyJson {
  if (scope.outboundMode === "REGISTRY_ONLY") {
    return { name: "block_all", domains: ["*"], routes: [{ name: "block_all", match: { prefix: "/" }, direct_response: { status: 502 } }], include_request_attempt_count: includeAttemptCount(scope) };
  }
  return {
    name: "allow_any",
    domains: ["*"],
    routes: [{ name: "allow_any", match: { prefix: "/" }, route: { cluster: PASSTHROUGH_CLUSTER, timeout: "0s" } }],
    include_request_attempt_count: includeAttemptCount(scope),
  };
}
