// IST0145: two Gateways with the same workload selector must not serve overlapping hosts on one port.
import type { Analyzer } from "../analyzer.js";
import { hostsMatch } from "../hosts.js";
import { Messages } from "../messages.js";
import { selectorString } from "../../store/label-selector.js";
import { asArray, specOf, type GatewaySpecView } from "../views.js";

/** Server host as a plain host name: `ns/host` → `host`. */
function bareHost(h: string): string {
  const slash = h.indexOf("/");
  return slash >= 0 ? h.slice(slash + 1) : h;
}

export const conflictingGatewaysAnalyzer: Analyzer = {
  name: "gateway.ConflictingGatewayAnalyzer",
  description: "Checks a gateway's selector, port number and hosts",
  analyze(ctx) {
    // `<selector>~<port>` → gateway full name → hosts of its servers on that port.
    const byKey = new Map<string, Map<string, string[]>>();
    const gateways = ctx.list("Gateway");
    for (const r of gateways) {
      const gw = specOf<GatewaySpecView>(r);
      const name = `${r.metadata.namespace ?? "default"}/${r.metadata.name}`;
      for (const server of asArray(gw.servers)) {
        const port = server?.port?.number;
        if (port === undefined) continue;
        const key = `${selectorString(gw.selector)}~${port}`;
        const m = byKey.get(key) ?? new Map<string, string[]>();
        m.set(name, [...(m.get(name) ?? []), ...asArray(server.hosts).map(bareHost)]);
        byKey.set(key, m);
      }
    }
    for (const r of gateways) {
      const gw = specOf<GatewaySpecView>(r);
      const name = `${r.metadata.namespace ?? "default"}/${r.metadata.name}`;
      const selector = selectorString(gw.selector);
      for (const server of asArray(gw.servers)) {
        const port = server?.port?.number;
        if (port === undefined) continue;
        const conflicts: string[] = [];
        for (const [other, hosts] of byKey.get(`${selector}~${port}`) ?? []) {
          if (other === name) continue;
          if (asArray(server.hosts).some((h) => hosts.some((o) => hostsMatch(bareHost(h), o)))) conflicts.push(other);
        }
        if (conflicts.length > 0) {
          ctx.report(Messages.conflictingGateways(r, conflicts.sort().join(","), selector, String(port), asArray(server.hosts).join(",")));
        }
      }
    }
  },
};
