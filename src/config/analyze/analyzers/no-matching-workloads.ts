// IST0127: a policy's workload selector (AuthorizationPolicy, PeerAuthentication,
// RequestAuthentication, Telemetry) should match at least one pod: in its namespace, or anywhere
// in the mesh for policies in the root namespace.
import type { Analyzer } from "../analyzer.js";
import { Messages } from "../messages.js";
import { matchesSelector, selectorString } from "../../store/label-selector.js";
import { specOf, type SelectorSpecView } from "../views.js";

export const ROOT_NAMESPACE = "istio-system";
const KINDS = ["AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication", "Telemetry"];

export const noMatchingWorkloadsAnalyzer: Analyzer = {
  name: "policy.NoMatchingWorkloadsAnalyzer",
  description: "Checks that workload selectors of policies match at least one workload",
  analyze(ctx) {
    for (const kind of KINDS) {
      for (const r of ctx.list(kind)) {
        const labels = specOf<SelectorSpecView>(r).selector?.matchLabels;
        if (!labels || Object.keys(labels).length === 0) continue;
        const ns = r.metadata.namespace ?? "default";
        const found = ctx
          .workloads()
          .some((w) => (ns === ROOT_NAMESPACE || w.namespace === ns) && matchesSelector({ matchLabels: labels }, w.labels));
        if (!found) ctx.report(Messages.noMatchingWorkloadsFound(r, selectorString(labels)));
      }
    }
  },
};
