// IST0101 (host, mirror host, host:port) and IST0112: every VirtualService destination must name a
// known Service or ServiceEntry host; a service with several ports needs the destination's port.
import type { Analyzer } from "../analyzer.js";
import { Messages } from "../messages.js";
import { mirrorDestinations, routeDestinations, type AnnotatedDestination } from "../route-destinations.js";
import { specOf, type VirtualServiceSpecView } from "../views.js";
import type { AnalysisContext } from "../context.js";
import type { Resource } from "../../resource.js";

export const destinationHostAnalyzer: Analyzer = {
  name: "virtualservice.DestinationHostAnalyzer",
  description: "Checks the destination hosts associated with each virtual service",
  analyze(ctx) {
    for (const r of ctx.list("VirtualService")) {
      const vs = specOf<VirtualServiceSpecView>(r);
      for (const d of routeDestinations(vs)) check(ctx, r, d, "host");
      for (const d of mirrorDestinations(vs)) check(ctx, r, d, "mirror host");
    }
  },
};

function check(ctx: AnalysisContext, r: Resource, d: AnnotatedDestination, reftype: string): void {
  const host = d.destination.host;
  if (!host) return;
  const resolved = ctx.resolveHost(host, r.metadata.namespace ?? "default");
  if (!resolved) {
    ctx.report(Messages.referencedResourceNotFound(r, reftype, host));
    return;
  }
  const port = d.destination.port?.number;
  if (port === undefined) {
    if (resolved.ports.length > 1) ctx.report(Messages.virtualServiceDestinationPortSelectorRequired(r, host, resolved.ports));
    return;
  }
  if (resolved.ports.length > 0 && !resolved.ports.includes(port)) {
    ctx.report(Messages.referencedResourceNotFound(r, "host:port", `${host}:${port}`));
  }
}
