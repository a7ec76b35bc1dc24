// IST0113 (Istio's historical auth.MTLSAnalyzer, retired from current istioctl): a DestinationRule
// that sends plaintext or plain TLS (DISABLE / SIMPLE) to a host whose workloads a STRICT
// PeerAuthentication requires mTLS for. Traffic from such clients is rejected.
import type { Analyzer } from "../analyzer.js";
import type { AnalysisContext } from "../context.js";
import { DOMAIN_SUFFIX, hostSubsetOf, toFqdn } from "../hosts.js";
import { Messages } from "../messages.js";
import { matchesSelector } from "../../store/label-selector.js";
import { specOf, type DestinationRuleSpecView, type PeerAuthenticationSpecView, type ServiceSpecView } from "../views.js";
import type { Resource } from "../../resource.js";
import { ROOT_NAMESPACE } from "./no-matching-workloads.js";

/** The PeerAuthentication that governs a Service's workloads: workload-level, else namespace, else mesh. */
function effectivePolicy(ctx: AnalysisContext, svc: Resource): Resource | undefined {
  const ns = svc.metadata.namespace ?? "default";
  const svcSelector = specOf<ServiceSpecView>(svc).selector ?? {};
  const workloads = ctx.workloads().filter((w) => w.namespace === ns && Object.keys(svcSelector).length > 0 && matchesSelector({ matchLabels: svcSelector }, w.labels));
  const policies = ctx.list("PeerAuthentication");
  const selectorOf = (p: Resource) => specOf<PeerAuthenticationSpecView>(p).selector?.matchLabels;
  const workloadLevel = policies.find((p) => {
    const sel = selectorOf(p);
    if ((p.metadata.namespace ?? "default") !== ns || !sel || Object.keys(sel).length === 0) return false;
    return workloads.some((w) => matchesSelector({ matchLabels: sel }, w.labels));
  });
  if (workloadLevel) return workloadLevel;
  const unselected = (p: Resource) => Object.keys(selectorOf(p) ?? {}).length === 0;
  return (
    policies.find((p) => (p.metadata.namespace ?? "default") === ns && unselected(p)) ??
    policies.find((p) => p.metadata.namespace === ROOT_NAMESPACE && unselected(p))
  );
}

export const mtlsPolicyConflictAnalyzer: Analyzer = {
  name: "auth.MTLSAnalyzer",
  description: "Checks for DestinationRules that disable mTLS to hosts whose PeerAuthentication is STRICT",
  analyze(ctx) {
    for (const dr of ctx.list("DestinationRule")) {
      const spec = specOf<DestinationRuleSpecView>(dr);
      const mode = spec.trafficPolicy?.tls?.mode;
      if (!spec.host || (mode !== "DISABLE" && mode !== "SIMPLE")) continue;
      const drHost = toFqdn(spec.host, dr.metadata.namespace ?? "default");
      for (const svc of ctx.list("Service")) {
        const fqdn = `${svc.metadata.name}.${svc.metadata.namespace ?? "default"}.${DOMAIN_SUFFIX}`;
        if (!hostSubsetOf(fqdn, drHost)) continue;
        const policy = effectivePolicy(ctx, svc);
        if (!policy || specOf<PeerAuthenticationSpecView>(policy).mtls?.mode !== "STRICT") continue;
        ctx.report(
          Messages.mtlsPolicyConflict(
            dr,
            fqdn,
            `${dr.metadata.namespace ?? "default"}/${dr.metadata.name}`,
            false,
            `${policy.metadata.namespace ?? "default"}/${policy.metadata.name}`,
            "STRICT",
          ),
        );
      }
    }
  },
};
