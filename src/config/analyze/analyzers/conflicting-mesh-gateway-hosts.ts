// IST0109: two VirtualServices bound to the mesh gateway must not define the same host (their
// routes would be merged in an undefined order).
import type { Analyzer } from "../analyzer.js";
import { toFqdn } from "../hosts.js";
import { Messages } from "../messages.js";
import { asArray, specOf, type VirtualServiceSpecView } from "../views.js";
import type { Resource } from "../../resource.js";

export const conflictingMeshGatewayHostsAnalyzer: Analyzer = {
  name: "virtualservice.ConflictingMeshGatewayHostsAnalyzer",
  description: "Checks if multiple virtual services associated with the mesh gateway have conflicting hosts",
  analyze(ctx) {
    // Scoped host (`<exportTo scope>/<fqdn>`, `*` when public) → the VirtualServices defining it.
    const byHost = new Map<string, Resource[]>();
    for (const r of ctx.list("VirtualService")) {
      const vs = specOf<VirtualServiceSpecView>(r);
      const gateways = asArray(vs.gateways);
      if (gateways.length > 0 && !gateways.includes("mesh")) continue;
      const ns = r.metadata.namespace ?? "default";
      const scopes = scopesOf(vs.exportTo, ns);
      for (const h of new Set(asArray(vs.hosts).map((x) => toFqdn(x, ns)))) {
        for (const scope of scopes) {
          const key = `${scope}/${h}`;
          const list = byHost.get(key) ?? [];
          list.push(r);
          byHost.set(key, list);
        }
      }
    }
    const reported = new Set<Resource>();
    for (const [key, list] of byHost) {
      if (list.length < 2) continue;
      const names = list.map((r) => `${r.metadata.namespace ?? ""}/${r.metadata.name}`).join(",");
      for (const r of list) {
        if (reported.has(r)) continue;
        reported.add(r);
        ctx.report(Messages.conflictingMeshGatewayVirtualServiceHosts(r, names, key));
      }
    }
  },
};

function scopesOf(exportTo: string[] | undefined, ns: string): string[] {
  if (!exportTo || exportTo.length === 0 || exportTo.includes("*")) return ["*"];
  return exportTo.map((e) => (e === "." ? ns : e));
}
