// IST0101 (host+subset in destinationrule): a subset a VirtualService routes to must be defined by a
// DestinationRule for that host.
import type { Analyzer } from "../analyzer.js";
import { toFqdn } from "../hosts.js";
import { Messages } from "../messages.js";
import { mirrorDestinations, routeDestinations } from "../route-destinations.js";
import { asArray, specOf, type DestinationRuleSpecView, type VirtualServiceSpecView } from "../views.js";

export const vsDestinationRuleAnalyzer: Analyzer = {
  name: "virtualservice.DestinationRuleAnalyzer",
  description: "Checks the destination rules associated with each virtual service",
  analyze(ctx) {
    const known = new Set<string>();
    for (const r of ctx.list("DestinationRule")) {
      const dr = specOf<DestinationRuleSpecView>(r);
      if (!dr.host) continue;
      const fqdn = toFqdn(dr.host, r.metadata.namespace ?? "default");
      for (const s of asArray(dr.subsets)) if (s?.name) known.add(`${fqdn}|${s.name}`);
    }
    for (const r of ctx.list("VirtualService")) {
      const vs = specOf<VirtualServiceSpecView>(r);
      const ns = r.metadata.namespace ?? "default";
      for (const d of [...routeDestinations(vs), ...mirrorDestinations(vs)]) {
        const { host, subset } = d.destination;
        if (!host || !subset) continue;
        if (known.has(`${toFqdn(host, ns)}|${subset}`)) continue;
        const reftype = d.routeRule === "http.mirror" ? "mirror+subset in destinationrule" : "host+subset in destinationrule";
        ctx.report(Messages.referencedResourceNotFound(r, reftype, `${host}+${subset}`));
      }
    }
  },
};
