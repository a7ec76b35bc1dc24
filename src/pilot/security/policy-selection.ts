// Which Istio security policies (AuthorizationPolicy, RequestAuthentication, PeerAuthentication)
// apply to a workload: root namespace without selector → the whole mesh; a namespace's policy
// without selector → its workloads; a selector → matching workloads (in every namespace when
// the policy lives in the root namespace); targetRef(s) → the named Services/Gateways.
import type { PolicyTargetReference, WorkloadSelector } from "../../config/kinds/security/policy-target.js";

/** What the translation needs to know about the workload a proxy fronts. */
export interface SecurityWorkload {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Services this workload backs (for targetRef kind Service / ServiceEntry). */
  readonly services?: readonly { readonly name: string; readonly namespace: string }[];
  /** Gateway names this proxy implements (for targetRef kind Gateway). */
  readonly gateways?: readonly { readonly name: string; readonly namespace: string }[];
}

export interface TargetedSpec {
  selector?: WorkloadSelector | undefined;
  targetRef?: PolicyTargetReference | undefined;
  targetRefs?: PolicyTargetReference[] | undefined;
}

function selectorMatches(sel: WorkloadSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  return true;
}

function refMatches(ref: PolicyTargetReference, policyNs: string, w: SecurityWorkload): boolean {
  const ns = ref.namespace ?? policyNs;
  const list = ref.kind === "Gateway" ? w.gateways : ref.kind === "Service" || ref.kind === "ServiceEntry" ? w.services : undefined;
  return list?.some((s) => s.name === ref.name && s.namespace === ns) ?? false;
}

export function policyApplies(spec: TargetedSpec, policyNs: string, w: SecurityWorkload, rootNamespace: string): boolean {
  const refs = spec.targetRefs ?? (spec.targetRef ? [spec.targetRef] : []);
  if (refs.length > 0) return refs.some((r) => refMatches(r, policyNs, w));
  if (policyNs !== rootNamespace && policyNs !== w.namespace) return false;
  return spec.selector === undefined || selectorMatches(spec.selector, w.labels);
}
