// AuthorizationPolicy (security.istio.io): who may call what. Field shapes follow istio/api
// security/v1beta1/authorization_policy.proto; the semantic rules live in authorization-rules.ts.
//
// Empty-rule semantics (as Istio): ALLOW with no rules matches nothing (so it denies all requests
// to the selected workloads), ALLOW with `rules: [{}]` allows everything; DENY/CUSTOM must have
// rules, and `rules: [{}]` matches every request.
import { z } from "zod";
import { strict } from "../../schema/index.js";
import type { KindDefinition } from "../../kind.js";
import type { Resource } from "../../resource.js";
import { policyTargetFields } from "./policy-target.js";
import { validateAuthorizationPolicy } from "./authorization-rules.js";
import { nullFieldsAsUnset } from "../core/null-fields.js";

export const authorizationActions = ["ALLOW", "DENY", "AUDIT", "CUSTOM"] as const;
export type AuthorizationAction = (typeof authorizationActions)[number];

const strings = z.array(z.string()).optional();

export const authorizationSource = strict({
  principals: strings,
  notPrincipals: strings,
  requestPrincipals: strings,
  notRequestPrincipals: strings,
  namespaces: strings,
  notNamespaces: strings,
  serviceAccounts: strings,
  notServiceAccounts: strings,
  ipBlocks: strings,
  notIpBlocks: strings,
  remoteIpBlocks: strings,
  notRemoteIpBlocks: strings,
  trustDomains: strings,
  notTrustDomains: strings,
});
export type AuthorizationSource = z.infer<typeof authorizationSource>;

export const authorizationOperation = strict({
  hosts: strings,
  notHosts: strings,
  ports: strings,
  notPorts: strings,
  methods: strings,
  notMethods: strings,
  paths: strings,
  notPaths: strings,
});
export type AuthorizationOperation = z.infer<typeof authorizationOperation>;

export const authorizationCondition = strict({
  key: z.string(),
  values: strings,
  notValues: strings,
});
export type AuthorizationCondition = z.infer<typeof authorizationCondition>;

export const authorizationRule = strict({
  from: z.array(strict({ source: authorizationSource.optional() })).max(512, "at most 512 from entries").optional(),
  to: z.array(strict({ operation: authorizationOperation.optional() })).optional(),
  when: z.array(authorizationCondition).optional(),
});
export type AuthorizationRule = z.infer<typeof authorizationRule>;

export const authorizationPolicySpec = strict({
  ...policyTargetFields,
  rules: z.array(authorizationRule).max(512, "at most 512 rules").optional(),
  action: z.enum(authorizationActions, { error: `action must be one of ${authorizationActions.join(", ")}` }).optional(),
  provider: strict({ name: z.string().optional() }).optional(),
});
export type AuthorizationPolicySpec = z.infer<typeof authorizationPolicySpec>;

const body = strict({ spec: authorizationPolicySpec.default({}), status: z.unknown().optional() });
export type AuthorizationPolicyBody = z.infer<typeof body>;
export type AuthorizationPolicy = Resource<AuthorizationPolicyBody>;

export const authorizationPolicyKind: KindDefinition<AuthorizationPolicyBody> = {
  group: "security.istio.io",
  versions: ["v1", "v1beta1"],
  kind: "AuthorizationPolicy",
  namespaced: true,
  schema: nullFieldsAsUnset(body),
  validate: (b, ctx) => validateAuthorizationPolicy(b.spec, ctx),
};
