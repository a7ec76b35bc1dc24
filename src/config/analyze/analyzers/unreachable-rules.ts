// IST0130: an http rule that can never be used: a second rule without matches, a rule after a
// match-all rule, or a rule whose every match repeats an earlier one.
import type { Analyzer } from "../analyzer.js";
import { Messages } from "../messages.js";
import { asArray, specOf, type HttpRouteView, type VirtualServiceSpecView } from "../views.js";

function ruleName(rule: HttpRouteView, index: number): string {
  return rule.name ? JSON.stringify(rule.name) : `#${index}`;
}

/** Canonical JSON (sorted keys) of a match without its name, as Istio compares matches. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

export function unreachableRules(rules: HttpRouteView[]): { ruleno: string; reason: string }[] {
  const out: { ruleno: string; reason: string }[] = [];
  const seen = new Set<string>();
  let emptyMatchSeen = false;
  rules.forEach((rule, i) => {
    if (!rule) return;
    const matches = asArray(rule.match);
    if (matches.length === 0) {
      if (emptyMatchSeen) out.push({ ruleno: ruleName(rule, i), reason: "only the last rule can have no matches" });
      emptyMatchSeen = true;
      return;
    }
    if (emptyMatchSeen) {
      out.push({ ruleno: ruleName(rule, i), reason: "route without matches defined before" });
      return;
    }
    let duplicates = 0;
    const fresh: string[] = [];
    for (const m of matches) {
      const { name: _name, ...rest } = (m ?? {}) as Record<string, unknown>;
      const key = canonical(rest);
      if (seen.has(key)) duplicates += 1;
      else fresh.push(key);
    }
    for (const k of fresh) seen.add(k);
    if (duplicates === matches.length) out.push({ ruleno: ruleName(rule, i), reason: "all matches used by prior rules" });
  });
  return out;
}

export const unreachableRulesAnalyzer: Analyzer = {
  name: "virtualservice.UnreachableRulesAnalyzer",
  description: "Checks for http rules of a virtual service that can never be used",
  analyze(ctx) {
    for (const r of ctx.list("VirtualService")) {
      for (const u of unreachableRules(asArray(specOf<VirtualServiceSpecView>(r).http))) {
        ctx.report(Messages.virtualServiceUnreachableRule(r, u.ruleno, u.reason));
      }
    }
  },
};
