// IST0101 (host+subset in destinationrule): a subset a VirtualService routes to must be defined by a
// DestinationRule for that host.
import type { Analyzer } from "../analyzer.js";
import { hostSubsetOf, toFqdn } from "../hosts.js";
import { Messages } from "../messages.js";
import { mirrorDestinations, routeDestinations } from "../route-destinations.js";
import { asArray, specOf, type DestinationRuleSpecView, type VirtualServiceSpecView } from "../views.js";

export const vsDestinationRuleAnalyzer: Analyzer = {
  name: "virtualservice.DestinationRuleAnalyzer",
  description: "Checks the destination rules associated with each virtual service",
  analyze(ctx) {
    // DestinationRule host (FQDN, maybe a wildcard such as `*.ns.svc.cluster.local`) → its subsets.
    const rules: { host: string; subsets: Set<string> }[] = [];
    for (const r of ctx.list("DestinationRule")) {
      const dr = specOf<DestinationRuleSpecView>(r);
      if (!dr.host) continue;
      const subsets = new Set(asArray(dr.subsets).flatMap((s) => (s?.name ? [s.name] : [])));
      rules.push({ host: toFqdn(dr.host, r.metadata.namespace ?? "default"), subsets });
    }
    const defined = (host: string, subset: string) => rules.some((dr) => dr.subsets.has(subset) && hostSubsetOf(host, dr.host));
    for (const r of ctx.list("VirtualService")) {
      const vs = specOf<VirtualServiceSpecView>(r);
      const ns = r.metadata.namespace ?? "default";
      for (const d of [...routeDestinations(vs), ...mirrorDestinations(vs)]) {
        const { host, subset } = d.destination;
        if (!host || !subset) continue;
        if (defined(toFqdn(host, ns), subset)) continue;
        const reftype = d.routeRule === "http.mirror" ? "mirror+subset in destinationrule" : "host+subset in destinationrule";
        ctx.report(Messages.referencedResourceNotFound(r, reftype, `${host}+${subset}`));
      }
    }
  },
};
