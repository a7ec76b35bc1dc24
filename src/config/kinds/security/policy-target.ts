// How Istio policies (security and telemetry) pick the workloads they apply to: a label selector,
// or targetRef/targetRefs naming a Service, ServiceEntry, Gateway or GatewayClass; never both.
import { z } from "zod";
import { strict, workloadSelector } from "../../schema/index.js";
import type { ValidationContext } from "../../kind.js";

export const policyTargetReference = strict({
  group: z.string().optional(),
  kind: z.string(),
  name: z.string(),
  namespace: z.string().optional(),
});
export type PolicyTargetReference = z.infer<typeof policyTargetReference>;

export type WorkloadSelector = z.infer<typeof workloadSelector>;

/** The three selection fields shared by AuthorizationPolicy, RequestAuthentication, Telemetry (and WasmPlugin). */
export const policyTargetFields = {
  selector: workloadSelector.optional(),
  targetRef: policyTargetReference.optional(),
  targetRefs: z.array(policyTargetReference).max(16, "at most 16 targetRefs may be set").optional(),
};

export interface PolicyTargetSpec {
  selector?: WorkloadSelector | undefined;
  targetRef?: PolicyTargetReference | undefined;
  targetRefs?: PolicyTargetReference[] | undefined;
}

/** Kinds a policy may target, by group ("" is the core group); the version is not checked, as in Istio. */
const allowedTargets: readonly { group: string; kind: string }[] = [
  { group: "", kind: "Service" },
  { group: "networking.istio.io", kind: "ServiceEntry" },
  { group: "gateway.networking.k8s.io", kind: "Gateway" },
  { group: "gateway.networking.k8s.io", kind: "GatewayClass" },
];

const groupPattern = /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const kindPattern = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

function checkTargetRef(ref: PolicyTargetReference, path: string, ctx: ValidationContext): void {
  if (ref.name === "") ctx.error(`${path}.name`, "targetRef name must be set");
  else if (ref.name.length > 253) ctx.error(`${path}.name`, "targetRef name must be at most 253 characters");
  if (ref.group !== undefined && (ref.group.length > 253 || !groupPattern.test(ref.group))) {
    ctx.error(`${path}.group`, `targetRef group "${ref.group}" must be empty or a DNS-1123 subdomain`);
  }
  if (ref.kind.length > 63 || !kindPattern.test(ref.kind)) ctx.error(`${path}.kind`, `targetRef kind "${ref.kind}" is not a valid kind name`);
  if (ref.namespace !== undefined && ref.namespace !== "") {
    ctx.error(`${path}.namespace`, "targetRef namespace must not be set; cross namespace referencing is not supported");
  }
  const group = ref.group === "core" ? "" : (ref.group ?? "");
  if (!allowedTargets.some((t) => t.group === group && t.kind === ref.kind)) {
    const names = allowedTargets.map((t) => (t.group ? `${t.group}/${t.kind}` : t.kind)).join(", ");
    ctx.error(`${path}.kind`, `targetRef must be to one of ${names} but was ${group ? `${group}/` : ""}${ref.kind}`);
  }
}

/** Istio's validateOneOfSelectorType, validateWorkloadSelector and validatePolicyTargetReference(s). */
export function validatePolicyTarget(spec: PolicyTargetSpec, ctx: ValidationContext, path = "spec"): void {
  const set = [spec.selector !== undefined, spec.targetRef !== undefined, (spec.targetRefs?.length ?? 0) > 0].filter(Boolean).length;
  if (set > 1) ctx.error(path, "only one of selector, targetRef or targetRefs can be set");
  if (spec.selector !== undefined) {
    const labels = spec.selector.matchLabels ?? {};
    if (Object.keys(labels).length === 0) ctx.warn(`${path}.selector`, "workload selector specified without labels");
    for (const [k, v] of Object.entries(labels)) {
      if (k === "") ctx.error(`${path}.selector.matchLabels`, `empty key is not supported in selector: "${k}=${v}"`);
    }
  }
  if (spec.targetRef) checkTargetRef(spec.targetRef, `${path}.targetRef`, ctx);
  spec.targetRefs?.forEach((r, i) => checkTargetRef(r, `${path}.targetRefs[${i}]`, ctx));
}
