// Pod (core v1) and Deployment (apps/v1): the workloads the local platform runs and the mesh
// derives identities and endpoints from.
import { z } from "zod";
import { labelSelector, strict, stringMap, labelMap } from "../../schema/index.js";
import type { KindDefinition, ValidationContext } from "../../kind.js";
import type { Resource } from "../../resource.js";
import { podSpec, validatePodSpec } from "./pod-spec.js";
import { selectorMatches } from "./label-selector.js";
import { nullFieldsAsUnset } from "./null-fields.js";

const podBody = strict({ spec: podSpec, status: z.unknown().optional() });
export type PodBody = z.infer<typeof podBody>;
export type Pod = Resource<PodBody>;

export const podKind: KindDefinition<PodBody> = {
  group: "",
  versions: ["v1"],
  kind: "Pod",
  namespaced: true,
  schema: nullFieldsAsUnset(podBody),
  validate: (b, ctx) => validatePodSpec(b.spec, "spec", ctx),
};

/** The template's metadata: labels and annotations typed, the rest of ObjectMeta accepted. */
const templateMetadata = strict({
  labels: labelMap.optional(),
  annotations: stringMap.optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  generateName: z.string().optional(),
  creationTimestamp: z.unknown().optional(),
  finalizers: z.unknown().optional(),
  ownerReferences: z.unknown().optional(),
});

const intOrString = z.union([z.number().int("must be an integer"), z.string()]);

export const deploymentSpec = strict({
  replicas: z.number().int("must be an integer").min(0, "replicas must be >= 0").optional(),
  selector: labelSelector,
  template: strict({ metadata: templateMetadata.optional(), spec: podSpec }),
  strategy: strict({
    type: z.enum(["RollingUpdate", "Recreate"], { error: "strategy type must be one of RollingUpdate, Recreate" }).optional(),
    rollingUpdate: strict({ maxSurge: intOrString.optional(), maxUnavailable: intOrString.optional() }).optional(),
  }).optional(),
  minReadySeconds: z.number().int().min(0).optional(),
  revisionHistoryLimit: z.number().int().min(0).optional(),
  progressDeadlineSeconds: z.number().int().min(0).optional(),
  paused: z.boolean().optional(),
});
export type DeploymentSpec = z.infer<typeof deploymentSpec>;

const deploymentBody = strict({ spec: deploymentSpec, status: z.unknown().optional() });
export type DeploymentBody = z.infer<typeof deploymentBody>;
export type Deployment = Resource<DeploymentBody>;

function validateDeployment({ spec }: DeploymentBody, ctx: ValidationContext): void {
  const sel = spec.selector;
  if (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions?.length ?? 0) === 0) {
    ctx.error("spec.selector", "empty selector is invalid for deployment");
  } else {
    sel.matchExpressions?.forEach((e, i) => {
      const hasValues = (e.values?.length ?? 0) > 0;
      if ((e.operator === "In" || e.operator === "NotIn") && !hasValues) ctx.error(`spec.selector.matchExpressions[${i}].values`, `values must be non-empty for operator ${e.operator}`);
      if ((e.operator === "Exists" || e.operator === "DoesNotExist") && hasValues) ctx.error(`spec.selector.matchExpressions[${i}].values`, `values must be empty for operator ${e.operator}`);
    });
    const labels = spec.template.metadata?.labels ?? {};
    if (!selectorMatches(sel, labels)) ctx.error("spec.template.metadata.labels", "selector does not match template labels");
  }
  if (spec.strategy?.type === "Recreate" && spec.strategy.rollingUpdate !== undefined) {
    ctx.error("spec.strategy.rollingUpdate", "may not be specified when strategy type is Recreate");
  }
  validatePodSpec(spec.template.spec, "spec.template.spec", ctx);
}

export const deploymentKind: KindDefinition<DeploymentBody> = {
  group: "apps",
  versions: ["v1"],
  kind: "Deployment",
  namespaced: true,
  schema: nullFieldsAsUnset(deploymentBody),
  validate: validateDeployment,
};
