// IST0110: two Sidecars in a namespace must not select the same workload.
import type { Analyzer } from "../analyzer.js";
import { Messages } from "../messages.js";
import { matchesSelector } from "../../store/label-selector.js";
import { specOf, type SidecarSpecView } from "../views.js";
import type { Resource } from "../../resource.js";

export const sidecarSelectorAnalyzer: Analyzer = {
  name: "sidecar.SelectorAnalyzer",
  description: "Validates that sidecars that define a workload selector match at least one pod, and that there aren't multiple sidecar resources that select overlapping pods",
  analyze(ctx) {
    const reported = new Set<Resource>();
    for (const w of ctx.workloads()) {
      const matching = ctx.list("Sidecar").filter((s) => {
        const labels = specOf<SidecarSpecView>(s).workloadSelector?.labels;
        return (s.metadata.namespace ?? "default") === w.namespace && labels && Object.keys(labels).length > 0 && matchesSelector({ matchLabels: labels }, w.labels);
      });
      if (matching.length < 2) continue;
      const names = matching.map((s) => s.metadata.name);
      for (const s of matching) {
        if (reported.has(s)) continue;
        reported.add(s);
        ctx.report(Messages.conflictingSidecarWorkloadSelectors(s, names, w.namespace, w.name));
      }
    }
  },
};
