// DestinationRule (istio/api networking/v1alpha3/destination_rule.proto) and Istio's checks.
import { z } from "zod";
import type { ValidationContext } from "../../kind.js";
import type { Resource } from "../../resource.js";
import { checkWildcardHost, strict, workloadSelector } from "../../schema/index.js";
import { checkExportToList, checkSubsetName } from "./checks.js";
import { defineNetworkingKind, istioBody } from "./common.js";
import { specScope } from "./scope.js";
import { subset, trafficPolicy } from "./traffic-policy.js";
import { checkTrafficPolicy } from "./traffic-policy-checks.js";

export * from "./traffic-policy.js";

export const destinationRuleSpec = strict({
  host: z.string(),
  trafficPolicy: trafficPolicy.optional(),
  subsets: z.array(subset).optional(),
  exportTo: z.array(z.string()).optional(),
  workloadSelector: workloadSelector.optional(),
});
export type DestinationRuleSpec = z.infer<typeof destinationRuleSpec>;
export const destinationRuleBody = istioBody(destinationRuleSpec);
export type DestinationRuleBody = z.infer<typeof destinationRuleBody>;
export type DestinationRule = Resource<DestinationRuleBody>;

function validateDestinationRule(body: DestinationRuleBody, ctx: ValidationContext): void {
  const spec = body.spec;
  const s = specScope(ctx);
  s.check(checkWildcardHost(spec.host), "host");
  checkTrafficPolicy(s.at("trafficPolicy"), spec.trafficPolicy);
  const names = new Set<string>();
  (spec.subsets ?? []).forEach((sub, i) => {
    const ss = s.at("subsets", i);
    if (names.has(sub.name)) ss.error(`duplicate subset name: ${sub.name}`, "name");
    names.add(sub.name);
    checkSubsetName(ss, sub.name, "name");
    checkTrafficPolicy(ss.at("trafficPolicy"), sub.trafficPolicy);
  });
  checkExportToList(s.at("exportTo"), spec.exportTo, false);
  if (spec.workloadSelector) {
    const exportTo = spec.exportTo ?? [];
    const ns = s.namespace;
    const local = exportTo.filter((e) => e === "." || e === ns);
    if (exportTo.length > 0 && local.length === 0) s.error("a destination rule with a workload selector cannot be exported beyond its own namespace", "exportTo");
    else if (exportTo.length > 1) s.error("a destination rule with a workload selector cannot have multiple exportTo entries", "exportTo");
    if (Object.keys(spec.workloadSelector.matchLabels ?? {}).length === 0) {
      s.warn("workload selector without matchLabels selects every workload in the namespace", "workloadSelector");
    }
  }
}

export const destinationRuleKind = defineNetworkingKind("DestinationRule", destinationRuleBody, validateDestinationRule);
