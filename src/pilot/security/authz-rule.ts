// One AuthorizationPolicy rule → one Envoy RBAC policy (permissions × principals), with Istio's
// field mapping. For TCP filter chains Istio cannot see HTTP attributes: an ALLOW/AUDIT rule
// that uses any is dropped (it never matches), a DENY rule ignores them (it denies more).
import type { AuthorizationCondition, AuthorizationOperation, AuthorizationRule, AuthorizationSource } from "../../config/kinds/security/authorization-policy.js";
import {
  authnMetadata, cidr, headerMatch, hostPermissions, istioPathMatch, istioStringMatch, namespacePrincipal, orPermissions, orPrincipals, spiffePrincipal, type Json,
} from "./envoy-matchers.js";

export type RuleAction = "ALLOW" | "DENY" | "AUDIT" | "CUSTOM";

/** Raised inside a rule's translation when an HTTP-only attribute meets a TCP chain under ALLOW. */
class DropRule extends Error { }

interface Ctx { readonly forTcp: boolean; readonly strictTcp: boolean }

/** A field's values or'ed, its not-values or'ed and negated; null when the field is unused or ignored. */
function field(ctx: Ctx, httpOnly: boolean, values: readonly string[] | undefined, notValues: readonly string[] | undefined,
  one: (v: string) => Json[], or: (l: Json[]) => Json, not: (j: Json) => Json): Json[] {
  const used = (values?.length ?? 0) + (notValues?.length ?? 0) > 0;
  if (!used) return [];
  if (httpOnly && ctx.forTcp) {
    if (ctx.strictTcp) throw new DropRule();
    return [];
  }
  const out: Json[] = [];
  if (values !== undefined && values.length > 0) out.push(or(values.flatMap(one)));
  if (notValues !== undefined && notValues.length > 0) out.push(not(or(notValues.flatMap(one))));
  return out;
}

const notId = (j: Json): Json => ({ not_id: j });
const notRule = (j: Json): Json => ({ not_rule: j });

function serviceAccountPrincipal(v: string): Json {
  const [ns, sa] = v.includes("/") ? v.split("/") : ["", v];
  return { authenticated: { principal_name: { suffix: `/ns/${ns ?? ""}/sa/${sa ?? ""}` } } };
}

function sourcePrincipal(ctx: Ctx, s: AuthorizationSource): Json {
  const p = (httpOnly: boolean, v: string[] | undefined, nv: string[] | undefined, one: (x: string) => Json[]): Json[] =>
    field(ctx, httpOnly, v, nv, one, orPrincipals, notId);
  const ids = [
    ...p(false, s.principals, s.notPrincipals, (v) => [spiffePrincipal(v)]),
    ...p(true, s.requestPrincipals, s.notRequestPrincipals, (v) => [authnMetadata(["request.auth.principal"], istioStringMatch(v))]),
    ...p(false, s.namespaces, s.notNamespaces, (v) => [namespacePrincipal(v)]),
    ...p(false, s.serviceAccounts, s.notServiceAccounts, (v) => [serviceAccountPrincipal(v)]),
    ...p(false, s.trustDomains, s.notTrustDomains, (v) => [{ authenticated: { principal_name: v === "*" ? { safe_regex: { regex: ".+" } } : { prefix: `spiffe://${v}/` } } }]),
    ...p(false, s.ipBlocks, s.notIpBlocks, (v) => [{ direct_remote_ip: cidr(v) }]),
    ...p(false, s.remoteIpBlocks, s.notRemoteIpBlocks, (v) => [{ remote_ip: cidr(v) }]),
  ];
  return ids.length === 0 ? { any: true } : ids.length === 1 ? (ids[0] as Json) : { and_ids: { ids } };
}

function operationPermission(ctx: Ctx, o: AuthorizationOperation): Json {
  const p = (httpOnly: boolean, v: string[] | undefined, nv: string[] | undefined, one: (x: string) => Json[]): Json[] =>
    field(ctx, httpOnly, v, nv, one, orPermissions, notRule);
  const rules = [
    ...p(true, o.hosts, o.notHosts, hostPermissions),
    ...p(false, o.ports, o.notPorts, (v) => [{ destination_port: Number(v) }]),
    ...p(true, o.methods, o.notMethods, (v) => [{ header: { name: ":method", string_match: { exact: v } } }]),
    ...p(true, o.paths, o.notPaths, (v) => [{ url_path: { path: istioPathMatch(v) } }]),
  ];
  return rules.length === 0 ? { any: true } : rules.length === 1 ? (rules[0] as Json) : { and_rules: { rules } };
}

/** `request.auth.claims[a][b]` → ["a", "b"]. */
function claimPath(key: string): string[] {
  return [...key.slice("request.auth.claims".length).matchAll(/\[([^\]]+)\]/g)].map((m) => m[1] as string);
}

/** A `when` condition → [side, matchers for values] (principal or permission side, as Istio). */
function condition(ctx: Ctx, c: AuthorizationCondition): { side: "principal" | "permission"; items: Json[] } {
  const k = c.key;
  const pr = (httpOnly: boolean, one: (v: string) => Json[]): { side: "principal"; items: Json[] } =>
    ({ side: "principal", items: field(ctx, httpOnly, c.values, c.notValues, one, orPrincipals, notId) });
  const pe = (one: (v: string) => Json[]): { side: "permission"; items: Json[] } =>
    ({ side: "permission", items: field(ctx, false, c.values, c.notValues, one, orPermissions, notRule) });
  if (k.startsWith("request.headers[")) {
    const name = k.slice("request.headers[".length, -1).toLowerCase();
    return pr(true, (v) => [headerMatch(name, v)]);
  }
  if (k.startsWith("request.auth.claims[")) return pr(true, (v) => [authnMetadata(["request.auth.claims", ...claimPath(k)], istioStringMatch(v), true)]);
  switch (k) {
    case "source.ip": return pr(false, (v) => [{ direct_remote_ip: cidr(v) }]);
    case "remote.ip": return pr(false, (v) => [{ remote_ip: cidr(v) }]);
    case "source.namespace": return pr(false, (v) => [namespacePrincipal(v)]);
    case "source.principal": return pr(false, (v) => [spiffePrincipal(v)]);
    case "source.serviceAccount": return pr(false, (v) => [serviceAccountPrincipal(v)]);
    case "request.auth.principal":
    case "request.auth.presenter": return pr(true, (v) => [authnMetadata([k], istioStringMatch(v))]);
    case "request.auth.audiences": return pr(true, (v) => [authnMetadata([k], istioStringMatch(v), true)]);
    case "destination.ip": return pe((v) => [{ destination_ip: cidr(v) }]);
    case "destination.port": return pe((v) => [{ destination_port: Number(v) }]);
    case "connection.sni": return pe((v) => [{ requested_server_name: istioStringMatch(v) }]);
    default:
      // Keys Istio validation rejects never get here; anything else cannot be enforced, so the
      // rule is treated like an HTTP-only rule on TCP: dropped for ALLOW, ignored for DENY.
      if (ctx.strictTcp) throw new DropRule();
      return { side: "principal", items: [] };
  }
}

/** The Envoy RBAC Policy for `rule`, or null when Istio drops it for this chain. */
export function ruleToRbacPolicy(rule: AuthorizationRule, action: RuleAction, forTcp: boolean): Json | null {
  const ctx: Ctx = { forTcp, strictTcp: action !== "DENY" };
  try {
    const perms: Json[] = [];
    const ids: Json[] = [];
    const tos = (rule.to ?? []).map((t) => operationPermission(ctx, t.operation ?? {}));
    if (tos.length > 0) perms.push(orPermissions(tos));
    const froms = (rule.from ?? []).map((f) => sourcePrincipal(ctx, f.source ?? {}));
    if (froms.length > 0) ids.push(orPrincipals(froms));
    for (const c of rule.when ?? []) {
      const r = condition(ctx, c);
      (r.side === "principal" ? ids : perms).push(...r.items);
    }
    const permission = perms.length === 0 ? { any: true } : perms.length === 1 ? perms[0] : { and_rules: { rules: perms } };
    const principal = ids.length === 0 ? { any: true } : ids.length === 1 ? ids[0] : { and_ids: { ids } };
    return { permissions: [permission], principals: [principal] };
  } catch (e) {
    if (e instanceof DropRule) return null;
    throw e;
  }
}
