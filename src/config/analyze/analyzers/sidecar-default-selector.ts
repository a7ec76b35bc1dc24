// IST0111: at most one Sidecar per namespace may omit the workload selector (it is the namespace default).
import type { Analyzer } from "../analyzer.js";
import { Messages } from "../messages.js";
import { specOf, type SidecarSpecView } from "../views.js";
import type { Resource } from "../../resource.js";

export const sidecarDefaultSelectorAnalyzer: Analyzer = {
  name: "sidecar.DefaultSelectorAnalyzer",
  description: "Validates that there aren't multiple sidecar resources that have no selector",
  analyze(ctx) {
    const byNs = new Map<string, Resource[]>();
    for (const s of ctx.list("Sidecar")) {
      const labels = specOf<SidecarSpecView>(s).workloadSelector?.labels;
      if (labels && Object.keys(labels).length > 0) continue;
      const ns = s.metadata.namespace ?? "default";
      byNs.set(ns, [...(byNs.get(ns) ?? []), s]);
    }
    for (const [ns, list] of byNs) {
      if (list.length < 2) continue;
      const names = list.map((s) => s.metadata.name);
      for (const s of list) ctx.report(Messages.multipleSidecarsWithoutWorkloadSelectors(s, names, ns));
    }
  },
};
