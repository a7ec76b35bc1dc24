// Istio's semantic rules for AuthorizationPolicy (pkg/config/validation ValidateAuthorizationPolicy),
// reported at the field that is wrong.
import type { ValidationContext } from "../../kind.js";
import type { AuthorizationOperation, AuthorizationPolicySpec, AuthorizationRule, AuthorizationSource } from "./authorization-policy.js";
import {
  checkConditionAttribute,
  checkEmptyValues,
  checkIps,
  checkPaths,
  checkPortStrings,
  checkServiceAccounts,
  checkTrustDomainValues,
} from "./attribute-checks.js";
import { validatePolicyTarget } from "./policy-target.js";

type Check = (values: readonly string[]) => string | undefined;

const sourceChecks: Record<keyof AuthorizationSource, Check> = {
  principals: checkEmptyValues,
  notPrincipals: checkEmptyValues,
  requestPrincipals: checkEmptyValues,
  notRequestPrincipals: checkEmptyValues,
  namespaces: checkEmptyValues,
  notNamespaces: checkEmptyValues,
  serviceAccounts: checkServiceAccounts,
  notServiceAccounts: checkServiceAccounts,
  ipBlocks: checkIps,
  notIpBlocks: checkIps,
  remoteIpBlocks: checkIps,
  notRemoteIpBlocks: checkIps,
  trustDomains: checkTrustDomainValues,
  notTrustDomains: checkTrustDomainValues,
};

const operationChecks: Record<keyof AuthorizationOperation, Check> = {
  // Hosts like "example.com:*" or "*.example.com:*" are both prefix and suffix matches in Istio.
  hosts: checkEmptyValues,
  notHosts: checkEmptyValues,
  ports: (v) => checkEmptyValues(v) ?? checkPortStrings(v),
  notPorts: (v) => checkEmptyValues(v) ?? checkPortStrings(v),
  methods: checkEmptyValues,
  notMethods: checkEmptyValues,
  paths: checkPaths,
  notPaths: checkPaths,
};

/** Source fields that CUSTOM (ext-authz) policies cannot match on: the identity is not known to the authorizer. */
const customUnsupportedSource: readonly (keyof AuthorizationSource)[] = [
  "namespaces",
  "notNamespaces",
  "serviceAccounts",
  "notServiceAccounts",
  "trustDomains",
  "notTrustDomains",
  "principals",
  "notPrincipals",
  "requestPrincipals",
  "notRequestPrincipals",
];

function checkFields<T extends object>(obj: T, checks: Record<keyof T, Check>, path: string, ctx: ValidationContext): number {
  let set = 0;
  for (const key of Object.keys(checks) as (keyof T & string)[]) {
    const values = obj[key] as readonly string[] | undefined;
    if (values === undefined) continue;
    if (values.length > 0) set++;
    const err = checks[key](values);
    if (err) ctx.error(`${path}.${key}`, err);
  }
  return set;
}

function validateRule(rule: AuthorizationRule, path: string, action: string, ctx: ValidationContext): void {
  if (rule.from !== undefined && rule.from.length === 0) ctx.error(`${path}.from`, "`from` must not be empty");
  rule.from?.forEach((from, i) => {
    const p = `${path}.from[${i}].source`;
    const src = from.source;
    if (src === undefined) return ctx.error(p, "`from.source` must not be nil");
    if (checkFields(src, sourceChecks, p, ctx) === 0) ctx.error(p, "`from.source` must not be empty");
    const principalsOrNs = [src.principals, src.notPrincipals, src.namespaces, src.notNamespaces].some((v) => (v?.length ?? 0) > 0);
    const serviceAccounts = [src.serviceAccounts, src.notServiceAccounts].some((v) => (v?.length ?? 0) > 0);
    if (principalsOrNs && serviceAccounts) ctx.error(p, "cannot set serviceAccounts with namespaces or principals");
    if (action === "CUSTOM") {
      for (const k of customUnsupportedSource) {
        if ((src[k]?.length ?? 0) > 0) ctx.error(`${p}.${k}`, `${k} is currently not supported with CUSTOM action`);
      }
    }
  });
  if (rule.to !== undefined && rule.to.length === 0) ctx.error(`${path}.to`, "`to` must not be empty");
  rule.to?.forEach((to, i) => {
    const p = `${path}.to[${i}].operation`;
    if (to.operation === undefined) return ctx.error(p, "`to.operation` must not be nil");
    if (checkFields(to.operation, operationChecks, p, ctx) === 0) ctx.error(p, "`to.operation` must not be empty");
  });
  rule.when?.forEach((cond, i) => {
    const p = `${path}.when[${i}]`;
    if (cond.key === "") return ctx.error(`${p}.key`, "`key` must not be empty");
    if ((cond.values?.length ?? 0) === 0 && (cond.notValues?.length ?? 0) === 0) {
      return ctx.error(p, `at least one of \`values\` or \`notValues\` must be set for key ${cond.key}`);
    }
    if (cond.values) {
      const err = checkConditionAttribute(cond.key, cond.values);
      if (err) ctx.error(`${p}.values`, `invalid value for key ${cond.key}: ${err}`);
    }
    if (cond.notValues) {
      const err = checkConditionAttribute(cond.key, cond.notValues);
      if (err) ctx.error(`${p}.notValues`, `invalid notValue for key ${cond.key}: ${err}`);
    }
    const identityKey = ["source.namespace", "source.serviceAccount", "source.trustDomain", "source.principal"].includes(cond.key);
    if (action === "CUSTOM" && (identityKey || cond.key.startsWith("request.auth."))) {
      ctx.error(`${p}.key`, `${cond.key} is currently not supported with CUSTOM action`);
    }
  });
}

export function validateAuthorizationPolicy(spec: AuthorizationPolicySpec, ctx: ValidationContext): void {
  validatePolicyTarget(spec, ctx);
  const action = spec.action ?? "ALLOW";
  if (action === "CUSTOM") {
    if (spec.rules === undefined) {
      ctx.error("spec.rules", "CUSTOM action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request");
    } else if (!spec.provider?.name) {
      ctx.error("spec.provider.name", "`provider.name` must not be empty for CUSTOM action");
    }
  } else if (spec.provider !== undefined) {
    ctx.error("spec.provider", `\`provider\` is only allowed with CUSTOM action, found ${action}`);
  }
  if (action === "DENY" && spec.rules === undefined) {
    ctx.error("spec.rules", "DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request");
  }
  spec.rules?.forEach((rule, i) => validateRule(rule, `spec.rules[${i}]`, action, ctx));
}
