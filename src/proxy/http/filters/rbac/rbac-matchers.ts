// envoy.config.rbac.v3.Permission and Principal trees compiled once into predicates over an
// RbacRequest, so evaluating a policy is a walk of small functions with no parsing.
import { arr, int, invalid, obj } from "../../../router/envoy-json.js";
import { compileStringMatch, testStringMatch } from "../../../router/string-match.js";
import { compileHeaderMatch, testHeaderMatch } from "../../../router/header-match.js";
import { CidrSet } from "./cidr.js";
import { compileMetadataMatch, testMetadataMatch } from "./metadata-matcher.js";
import { rbacHeader, type RbacRequest } from "./rbac-request.js";

export type RbacTest = (r: RbacRequest) => boolean;

const ANY: RbacTest = () => true;

function pathOnly(p: string): string {
  const q = p.indexOf("?");
  const h = p.indexOf("#");
  const end = q < 0 ? h : h < 0 ? q : Math.min(q, h);
  return end < 0 ? p : p.slice(0, end);
}

function all(tests: readonly RbacTest[]): RbacTest {
  return (r) => { for (const t of tests) if (!t(r)) return false; return true; };
}

function some(tests: readonly RbacTest[]): RbacTest {
  return (r) => { for (const t of tests) if (t(r)) return true; return false; };
}

function oneKey(o: Record<string, unknown>, field: string): string {
  const keys = Object.keys(o).filter((k) => o[k] !== undefined && o[k] !== null);
  if (keys.length !== 1) throw invalid(field, `needs exactly one rule (got ${keys.length === 0 ? "none" : keys.join(", ")})`);
  return keys[0] as string;
}

/** A Permission or Principal: its one rule's key, value and field path, and the shared matcher when the key has one. */
function ruleOf(v: unknown, field: string): { key: string; val: unknown; f: string; common: RbacTest | null } {
  const o = obj(v, field);
  if (!o) throw invalid(field, "is required");
  const key = oneKey(o, field);
  const f = `${field}.${key}`;
  return { key, val: o[key], f, common: commonRule(key, o[key], f) };
}

/** Matchers shared by permissions and principals. */
function commonRule(key: string, v: unknown, field: string): RbacTest | null {
  switch (key) {
    case "any": return ANY;
    case "header": {
      const m = compileHeaderMatch(v, field);
      return (r) => r.headers !== null && testHeaderMatch(m, rbacHeader(r, m.name));
    }
    case "url_path": {
      const o = obj(v, field) ?? {};
      const m = compileStringMatch(o["path"], `${field}.path`);
      return (r) => r.headers !== null && testStringMatch(m, pathOnly(r.path));
    }
    case "metadata": {
      const m = compileMetadataMatch(v, field);
      return (r) => testMetadataMatch(m, r.metadata);
    }
    default: return null;
  }
}

export function compilePermission(v: unknown, field: string): RbacTest {
  const { key, val, f, common } = ruleOf(v, field);
  if (common !== null) return common;
  switch (key) {
    case "and_rules": return all(arr((obj(val, f) ?? {})["rules"], `${f}.rules`).map((x, i) => compilePermission(x, `${f}.rules[${i}]`)));
    case "or_rules": return some(arr((obj(val, f) ?? {})["rules"], `${f}.rules`).map((x, i) => compilePermission(x, `${f}.rules[${i}]`)));
    case "not_rule": { const t = compilePermission(val, f); return (r) => !t(r); }
    case "destination_ip": { const c = new CidrSet().add(val, f); return (r) => c.has(r.destinationIp); }
    case "destination_port": { const p = int(val, f) ?? 0; return (r) => r.destinationPort === p; }
    case "destination_port_range": {
      const o2 = obj(val, f) ?? {};
      const start = int(o2["start"], `${f}.start`) ?? 0;
      const end = int(o2["end"], `${f}.end`) ?? 0;
      return (r) => r.destinationPort >= start && r.destinationPort < end;
    }
    case "requested_server_name": { const m = compileStringMatch(val, f); return (r) => testStringMatch(m, r.sni); }
    default: throw invalid(f, `unsupported permission rule "${key}"`);
  }
}

export function compilePrincipal(v: unknown, field: string): RbacTest {
  const { key, val, f, common } = ruleOf(v, field);
  if (common !== null) return common;
  switch (key) {
    case "and_ids": return all(arr((obj(val, f) ?? {})["ids"], `${f}.ids`).map((x, i) => compilePrincipal(x, `${f}.ids[${i}]`)));
    case "or_ids": return some(arr((obj(val, f) ?? {})["ids"], `${f}.ids`).map((x, i) => compilePrincipal(x, `${f}.ids[${i}]`)));
    case "not_id": { const t = compilePrincipal(val, f); return (r) => !t(r); }
    case "authenticated": {
      const pn = (obj(val, f) ?? {})["principal_name"];
      if (pn === undefined || pn === null) return (r) => r.authenticated;
      const m = compileStringMatch(pn, `${f}.principal_name`);
      return (r) => r.authenticated && r.peerUriSans.some((s) => testStringMatch(m, s));
    }
    case "source_ip":
    case "direct_remote_ip": { const c = new CidrSet().add(val, f); return (r) => c.has(r.directRemoteIp); }
    case "remote_ip": { const c = new CidrSet().add(val, f); return (r) => c.has(r.remoteIp); }
    default: throw invalid(f, `unsupported principal rule "${key}"`);
  }
}

