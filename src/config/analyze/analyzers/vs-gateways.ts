// IST0101 (gateway) and IST0132: a VirtualService's gateways must exist and must serve its hosts.
import type { Analyzer } from "../analyzer.js";
import type { AnalysisContext } from "../context.js";
import { hostsMatch } from "../hosts.js";
import { Messages } from "../messages.js";
import { asArray, specOf, type GatewaySpecView, type VirtualServiceSpecView } from "../views.js";

export const vsGatewayAnalyzer: Analyzer = {
  name: "virtualservice.GatewayAnalyzer",
  description: "Checks the gateways associated with each virtual service",
  analyze(ctx) {
    for (const r of ctx.list("VirtualService")) {
      const vs = specOf<VirtualServiceSpecView>(r);
      const ns = r.metadata.namespace ?? "default";
      for (const gwName of asArray(vs.gateways)) {
        if (gwName === "mesh") continue;
        const [gwNs, name] = splitGatewayName(gwName, ns);
        const gw = ctx.find("Gateway", gwNs, name);
        // Istio also reports IST0132 for a missing gateway; the IST0101 already says all there is.
        if (!gw) {
          ctx.report(Messages.referencedResourceNotFound(r, "gateway", gwName));
          continue;
        }
        if (!vsHostInGateway(ctx, gwNs, name, asArray(vs.hosts), ns)) {
          ctx.report(Messages.virtualServiceHostNotFoundInGateway(r, asArray(vs.hosts), `${ns}/${r.metadata.name}`, `${gwNs}/${name}`));
        }
      }
    }
  },
};

/** `gw` → this namespace; `ns/gw` → as written (Istio also accepts `gw.ns.svc.cluster.local`). */
function splitGatewayName(gwName: string, ns: string): [string, string] {
  const slash = gwName.indexOf("/");
  if (slash >= 0) return [gwName.slice(0, slash), gwName.slice(slash + 1)];
  const dot = gwName.indexOf(".");
  if (dot >= 0) return [gwName.slice(dot + 1).split(".")[0] ?? ns, gwName.slice(0, dot)];
  return [ns, gwName];
}

function vsHostInGateway(ctx: AnalysisContext, gwNs: string, gwName: string, vsHosts: string[], vsNs: string): boolean {
  const gw = ctx.find("Gateway", gwNs, gwName);
  if (!gw) return false;
  const gatewayHosts: string[] = [];
  for (const server of asArray(specOf<GatewaySpecView>(gw).servers)) {
    for (const h of asArray(server?.hosts)) {
      // Server hosts are `[namespace/]host`: `./h` is the gateway's namespace, `*/h` any namespace.
      const slash = h.indexOf("/");
      if (slash < 0) {
        gatewayHosts.push(h);
        continue;
      }
      const hostNs = h.slice(0, slash);
      const host = h.slice(slash + 1);
      const effectiveNs = hostNs === "." ? gwNs : hostNs;
      if (effectiveNs === "*" || effectiveNs === vsNs) gatewayHosts.push(host);
    }
  }
  return gatewayHosts.some((gh) => vsHosts.some((vh) => hostsMatch(gh, vh)));
}
