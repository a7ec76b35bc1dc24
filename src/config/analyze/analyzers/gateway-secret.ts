// IST0101 (credentialName): a Gateway server's TLS credentialName must name a Secret in the namespace
// of the gateway workload (the Gateway's own namespace when no workload in the input matches).
import type { Analyzer } from "../analyzer.js";
import { Messages } from "../messages.js";
import { matchesSelector } from "../../store/label-selector.js";
import { asArray, specOf, type GatewaySpecView } from "../views.js";

export const gatewaySecretAnalyzer: Analyzer = {
  name: "gateway.SecretAnalyzer",
  description: "Checks a gateway's referenced secrets for correctness",
  analyze(ctx) {
    for (const r of ctx.list("Gateway")) {
      const gw = specOf<GatewaySpecView>(r);
      const workload = ctx.workloads().find((w) => matchesSelector({ matchLabels: gw.selector ?? {} }, w.labels));
      const secretNs = workload?.namespace ?? r.metadata.namespace ?? "default";
      for (const server of asArray(gw.servers)) {
        const cn = server?.tls?.credentialName;
        if (!cn) continue;
        // `ns/name` is accepted by Istio as a secret in another namespace.
        const slash = cn.indexOf("/");
        const [ns, name] = slash >= 0 ? [cn.slice(0, slash), cn.slice(slash + 1)] : [secretNs, cn];
        if (!ctx.find("Secret", ns, name)) ctx.report(Messages.referencedResourceNotFound(r, "credentialName", cn));
      }
    }
  },
};
