// All AuthorizationPolicies applicable to a workload → the filters Istio puts on its inbound
// chains, in evaluation order: CUSTOM (an RBAC filter whose shadow verdict selects requests for
// ext_authz, then ext_authz; on TCP chains the network ext_authz, gRPC providers only), DENY, ALLOW (only when an ALLOW policy applies; one with no rules
// denies everything), AUDIT (action LOG). Policies annotated `istio.io/dry-run: "true"` go to
// shadow_rules instead of rules.
import type { AuthorizationPolicy } from "../../config/kinds/security/authorization-policy.js";
import type { ExtensionProvider } from "../../config/mesh/extension-providers.js";
import type { Json } from "./envoy-matchers.js";
import { ruleToRbacPolicy, type RuleAction } from "./authz-rule.js";
import { policyApplies, type SecurityWorkload } from "./policy-selection.js";
import { EXT_AUTHZ_POLICY_PREFIX, EXT_AUTHZ_SHADOW_PREFIX, extAuthzFilterConfig, networkExtAuthzFilterConfig } from "./ext-authz-config.js";

export const HTTP_RBAC_TYPE = "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC";
export const NETWORK_RBAC_TYPE = "type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC";

export interface AuthzOptions {
  readonly rootNamespace: string;
  readonly extensionProviders?: readonly ExtensionProvider[];
}

export interface AuthzFilters {
  /** http_filters entries, to go before the router (after jwt_authn). */
  readonly http: Json[];
  /** Network filter entries, to go before tcp_proxy. */
  readonly tcp: Json[];
  /** Why a policy could not be applied as written (it then fails closed). */
  readonly warnings: string[];
  /** What was skipped on purpose, as Istio's debug log says it (an HTTP ext_authz provider on TCP chains). */
  readonly notes: string[];
}

type Policies = Record<string, Json>;

interface Buckets { rules: Policies; shadow: Policies; present: boolean; shadowPresent: boolean }

const newBuckets = (): Buckets => ({ rules: {}, shadow: {}, present: false, shadowPresent: false });

export function applicableAuthorizationPolicies(w: SecurityWorkload, all: readonly AuthorizationPolicy[], rootNamespace: string): AuthorizationPolicy[] {
  return all
    .filter((p) => policyApplies(p.spec, p.metadata.namespace ?? "default", w, rootNamespace))
    .sort((a, b) => `${a.metadata.namespace ?? ""}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ""}/${b.metadata.name}`));
}

function rbacConfig(action: "ALLOW" | "DENY" | "LOG", b: Buckets, extra: Json = {}): Json {
  const cfg: Json = { ...extra };
  if (b.present) cfg["rules"] = { action, policies: b.rules };
  if (b.shadowPresent) cfg["shadow_rules"] = { action, policies: b.shadow };
  return cfg;
}

function build(w: SecurityWorkload, all: readonly AuthorizationPolicy[], opts: AuthzOptions, forTcp: boolean, warnings: string[], notes: string[]): Json[] {
  const byAction: Record<RuleAction, Buckets> = { ALLOW: newBuckets(), DENY: newBuckets(), AUDIT: newBuckets(), CUSTOM: newBuckets() };
  let provider: ExtensionProvider | undefined;
  for (const p of applicableAuthorizationPolicies(w, all, opts.rootNamespace)) {
    const ns = p.metadata.namespace ?? "default";
    const id = `ns[${ns}]-policy[${p.metadata.name}]`;
    let action: RuleAction = p.spec.action ?? "ALLOW";
    const dryRun = p.metadata.annotations?.["istio.io/dry-run"] === "true";
    let prefix = "";
    if (action === "CUSTOM") {
      const name = p.spec.provider?.name ?? "";
      const found = opts.extensionProviders?.find((e) => e.name === name && (e.envoyExtAuthzHttp !== undefined || e.envoyExtAuthzGrpc !== undefined));
      if (forTcp && found !== undefined && found.envoyExtAuthzGrpc === undefined) {
        // Istio: an HTTP authorizer has no TCP form, so TCP chains skip the policy (logged, not denied).
        notes.push(`AuthorizationPolicy ${ns}/${p.metadata.name}: ext_authz provider "${name}" is envoyExtAuthzHttp, which cannot check TCP connections; the policy is not applied on TCP ports (use an envoyExtAuthzGrpc provider)`);
        continue;
      }
      if (found === undefined || (provider !== undefined && provider.name !== found.name)) {
        // Istio fails closed: requests the CUSTOM policy selects are denied.
        warnings.push(`AuthorizationPolicy ${ns}/${p.metadata.name}: ${found === undefined ? `ext_authz provider "${name}" not found in meshConfig.extensionProviders` : "only one ext_authz provider per workload is supported"}; its rules deny instead`);
        action = "DENY";
      } else {
        provider = found;
        prefix = `${EXT_AUTHZ_POLICY_PREFIX}-`;
      }
    }
    const b = byAction[action];
    if (dryRun) b.shadowPresent = true; else b.present = true;
    (p.spec.rules ?? []).forEach((rule, i) => {
      const policy = ruleToRbacPolicy(rule, action, forTcp);
      if (policy !== null) (dryRun ? b.shadow : b.rules)[`${prefix}${id}-rule[${i}]`] = policy;
    });
  }
  const out: Json[] = [];
  const type = forTcp ? NETWORK_RBAC_TYPE : HTTP_RBAC_TYPE;
  const name = forTcp ? "envoy.filters.network.rbac" : "envoy.filters.http.rbac";
  const statPrefix = forTcp ? { stat_prefix: "tcp." } : {};
  const c = byAction.CUSTOM;
  const tcpExtAuthz = forTcp && provider !== undefined ? networkExtAuthzFilterConfig(provider) : null;
  if (provider !== undefined && (c.present || c.shadowPresent) && (!forTcp || tcpExtAuthz !== null)) {
    // The selected requests are those a CUSTOM rule matches: a DENY shadow engine reports them.
    out.push({ name, typed_config: { "@type": type, ...statPrefix, shadow_rules: { action: "DENY", policies: { ...c.rules } }, shadow_rules_stat_prefix: EXT_AUTHZ_SHADOW_PREFIX } });
    out.push(tcpExtAuthz !== null
      ? { name: "envoy.filters.network.ext_authz", typed_config: tcpExtAuthz }
      : { name: "envoy.filters.http.ext_authz", typed_config: extAuthzFilterConfig(provider) });
  }
  for (const [action, envoyAction] of [["DENY", "DENY"], ["ALLOW", "ALLOW"], ["AUDIT", "LOG"]] as const) {
    const b = byAction[action];
    if (b.present || b.shadowPresent) out.push({ name, typed_config: { "@type": type, ...rbacConfig(envoyAction, b, statPrefix) } });
  }
  return out;
}

export function authorizationFilters(w: SecurityWorkload, policies: readonly AuthorizationPolicy[], opts: AuthzOptions): AuthzFilters {
  const warnings: string[] = [];
  const notes: string[] = [];
  const http = build(w, policies, opts, false, warnings, notes);
  const tcp = build(w, policies, opts, true, warnings, notes);
  return { http, tcp, warnings: [...new Set(warnings)], notes };
}
