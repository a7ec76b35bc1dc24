// envoy.config.rbac.v3.RBAC compiled into an evaluator: a policy matches when any of its
// permissions and any of its principals match; ALLOW admits only matching requests, DENY
// refuses matching ones, LOG admits everything and only reports the match.
import { arr, invalid, obj, str } from "../../../router/envoy-json.js";
import { compilePermission, compilePrincipal, type RbacTest } from "./rbac-matchers.js";
import type { RbacRequest } from "./rbac-request.js";

export type RbacAction = "ALLOW" | "DENY" | "LOG";

interface CompiledPolicy {
  readonly name: string;
  readonly permission: RbacTest;
  readonly principal: RbacTest;
}

export interface RbacDecision {
  readonly allowed: boolean;
  /** Name of the policy that matched, or null. */
  readonly policy: string | null;
}

const ACTIONS: Record<string, RbacAction> = { ALLOW: "ALLOW", DENY: "DENY", LOG: "LOG", 0: "ALLOW", 1: "DENY", 2: "LOG" };

function anyOf(list: unknown[], field: string, compile: (v: unknown, f: string) => RbacTest): RbacTest {
  if (list.length === 0) throw invalid(field, "needs at least one entry");
  const tests = list.map((x, i) => compile(x, `${field}[${i}]`));
  return (r) => { for (const t of tests) if (t(r)) return true; return false; };
}

export class RbacEngine {
  private constructor(readonly action: RbacAction, private readonly policies: readonly CompiledPolicy[]) {}

  static compile(v: unknown, field: string): RbacEngine {
    const o = obj(v, field) ?? {};
    const raw = o["action"] ?? "ALLOW";
    const action = ACTIONS[String(raw)];
    if (action === undefined) throw invalid(`${field}.action`, `unsupported action ${JSON.stringify(raw)}`);
    const policies: CompiledPolicy[] = [];
    const map = obj(o["policies"], `${field}.policies`) ?? {};
    // Envoy keeps policies in a map; sort names so the reported policy is deterministic.
    for (const name of Object.keys(map).sort()) {
      const f = `${field}.policies.${name}`;
      const p = obj(map[name], f) ?? {};
      if (p["condition"] !== undefined || p["checked_condition"] !== undefined) throw invalid(`${f}.condition`, "CEL conditions are not supported");
      policies.push({
        name,
        permission: anyOf(arr(p["permissions"], `${f}.permissions`), `${f}.permissions`, compilePermission),
        principal: anyOf(arr(p["principals"], `${f}.principals`), `${f}.principals`, compilePrincipal),
      });
    }
    return new RbacEngine(action, policies);
  }

  /** The first matching policy's name, or null. */
  match(r: RbacRequest): string | null {
    for (const p of this.policies) if (p.permission(r) && p.principal(r)) return p.name;
    return null;
  }

  evaluate(r: RbacRequest): RbacDecision {
    const policy = this.match(r);
    if (this.action === "ALLOW") return { allowed: policy !== null, policy };
    if (this.action === "DENY") return { allowed: policy === null, policy };
    return { allowed: true, policy };
  }
}

/** The filter-level config shared by the HTTP and network RBAC filters: enforced and shadow rules. */
export interface RbacConfig {
  /** null: no enforcement (Envoy: rules unset). */
  readonly rules: RbacEngine | null;
  readonly shadow: RbacEngine | null;
  readonly statPrefix: string;
  /** Prefix of the shadow verdict's metadata keys (Istio: "istio_ext_authz_" for CUSTOM). */
  readonly shadowPrefix: string;
}

export function compileRbacConfig(v: unknown, field: string): RbacConfig {
  const o = obj(v, field) ?? {};
  if (o["matcher"] !== undefined || o["shadow_matcher"] !== undefined) throw invalid(`${field}.matcher`, "the matcher form is not supported; use rules");
  return {
    rules: o["rules"] === undefined || o["rules"] === null ? null : RbacEngine.compile(o["rules"], `${field}.rules`),
    shadow: o["shadow_rules"] === undefined || o["shadow_rules"] === null ? null : RbacEngine.compile(o["shadow_rules"], `${field}.shadow_rules`),
    statPrefix: str(o["stat_prefix"], `${field}.stat_prefix`) ?? "",
    shadowPrefix: str(o["shadow_rules_stat_prefix"], `${field}.shadow_rules_stat_prefix`) ?? "",
  };
}
