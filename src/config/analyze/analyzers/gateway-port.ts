// IST0162: every Gateway server port should be a port of a Service selecting the gateway's pods.
// Gateways whose selector matches no workload in the input are skipped: the gateway deployment is
// usually installed with the mesh, not listed with the application's config.
import type { Analyzer } from "../analyzer.js";
import { Messages } from "../messages.js";
import { matchesSelector, selectorString } from "../../store/label-selector.js";
import { asArray, specOf, type GatewaySpecView, type ServiceSpecView } from "../views.js";

export const gatewayPortAnalyzer: Analyzer = {
  name: "gateway.IngressGatewayPortAnalyzer",
  description: "Checks a gateway's ports against the gateway's Kubernetes service ports",
  analyze(ctx) {
    for (const r of ctx.list("Gateway")) {
      const gw = specOf<GatewaySpecView>(r);
      const selector = { matchLabels: gw.selector ?? {} };
      const pods = ctx.workloads().filter((w) => matchesSelector(selector, w.labels));
      if (pods.length === 0) continue;
      const servicePorts = new Set<number>();
      for (const pod of pods) {
        for (const svc of ctx.list("Service")) {
          if ((svc.metadata.namespace ?? "default") !== pod.namespace) continue;
          const spec = specOf<ServiceSpecView>(svc);
          if (!spec.selector || Object.keys(spec.selector).length === 0) continue;
          if (!matchesSelector({ matchLabels: spec.selector }, pod.labels)) continue;
          for (const p of asArray(spec.ports)) {
            if (typeof p?.port === "number" && (p.protocol ?? "TCP") === "TCP") servicePorts.add(p.port);
          }
        }
      }
      for (const server of asArray(gw.servers)) {
        const port = server?.port?.number;
        if (port !== undefined && !servicePorts.has(port)) {
          ctx.report(Messages.gatewayPortNotDefinedOnService(r, port, selectorString(gw.selector)));
        }
      }
    }
  },
};
