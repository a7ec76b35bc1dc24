// envoy.filters.http.jwt_authn: picks the requirement for the request (rules by path, or the
// route's PerRouteConfig), reads tokens from the providers' locations, verifies them off the
// request path (the request waits), and answers 401 with Envoy's status text when the
// requirement fails. A missing token passes where allow_missing says so (Istio's default).
import type { JWTPayload } from "jose";
import { FILTER_DISABLED } from "../../../router/per-filter-config.js";
import { arr, bool, obj } from "../../../router/envoy-json.js";
import { FILTER_CONTINUE, FILTER_STOP, registerHttpFilter, type HttpFilter, type HttpStream } from "../http-filter.js";
import { compileJwtProvider, JWT_MISSING, JWT_BAD_FORMAT, JWT_UNKNOWN_ISSUER, JWT_BAD_AUDIENCE, unverifiedIssuer, verifyJwt, type JwtProvider } from "./jwt-provider.js";
import { compileRequirement, compileRule, ruleMatches, type JwtRequirement, type JwtRule } from "./jwt-requirement.js";
import { extractTokens, type FoundToken } from "./token-locations.js";
import { applyVerified } from "./jwt-outputs.js";

export const JWT_AUTHN_TYPE = "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication";

type Outcome = { kind: "ok" } | { kind: "missing" } | { kind: "fail"; status: string };
const OK: Outcome = { kind: "ok" };
const MISSING: Outcome = { kind: "missing" };

interface Checked { readonly found: FoundToken; readonly payload: JWTPayload | null; readonly status: string }

function providersOf(r: JwtRequirement, out: Set<JwtProvider>): Set<JwtProvider> {
  if (r.kind === "provider") out.add(r.provider);
  else if (r.kind === "any" || r.kind === "all") for (const c of r.children) providersOf(c, out);
  return out;
}

function audienceOk(payload: JWTPayload, allowed: readonly string[] | null): boolean {
  if (allowed === null || allowed.length === 0) return true;
  const aud = Array.isArray(payload.aud) ? payload.aud : payload.aud === undefined ? [] : [payload.aud];
  return aud.some((a) => allowed.includes(a));
}

function outcome(r: JwtRequirement, checked: readonly Checked[]): Outcome {
  switch (r.kind) {
    case "allow_missing": return checked.length === 0 ? OK : MISSING;
    case "allow_missing_or_failed": return OK;
    case "provider": {
      let fail: Outcome | null = null;
      for (const c of checked) {
        if (c.found.provider !== r.provider) continue;
        if (c.payload !== null && audienceOk(c.payload, r.audiences)) return OK;
        fail ??= { kind: "fail", status: c.payload !== null ? JWT_BAD_AUDIENCE : c.status };
      }
      return fail ?? MISSING;
    }
    case "any": {
      let fail: Outcome | null = null;
      for (const c of r.children) {
        const o = outcome(c, checked);
        if (o.kind === "ok") return OK;
        if (o.kind === "fail") fail ??= o;
      }
      return fail ?? MISSING;
    }
    case "all": {
      for (const c of r.children) {
        const o = outcome(c, checked);
        if (o.kind !== "ok") return o;
      }
      return OK;
    }
  }
}

async function check(found: FoundToken): Promise<Checked> {
  const iss = unverifiedIssuer(found.token);
  if (iss === null) return { found, payload: null, status: JWT_BAD_FORMAT };
  if (found.provider.issuer !== "" && iss !== found.provider.issuer) return { found, payload: null, status: JWT_UNKNOWN_ISSUER };
  const r = await verifyJwt(found.provider, found.token);
  return r.ok ? { found, payload: r.payload, status: "" } : { found, payload: null, status: r.status };
}

export class JwtAuthnFilter implements HttpFilter {
  constructor(readonly name: string, private readonly rules: readonly JwtRule[], private readonly named: ReadonlyMap<string, JwtRequirement>,
    private readonly bypassCorsPreflight: boolean) {}

  private requirementFor(ex: HttpStream): JwtRequirement | null {
    const per = ex.route?.perFilter.get(this.name);
    if (per === FILTER_DISABLED) return null;
    if (typeof per === "object" && per !== null) {
      const o = per as Record<string, unknown>;
      if (o["disabled"] === true) return null;
      if (typeof o["requirement_name"] === "string") return this.named.get(o["requirement_name"]) ?? null;
    }
    const p = ex.record.path;
    const q = p.indexOf("?");
    const path = q < 0 ? p : p.slice(0, q);
    for (const r of this.rules) if (ruleMatches(r, path)) return r.requirement;
    return null;
  }

  onRequest(ex: HttpStream, index: number): number {
    if (this.bypassCorsPreflight && ex.method === "OPTIONS" && ex.headers.has("origin") && ex.headers.has("access-control-request-method")) return FILTER_CONTINUE;
    const req = this.requirementFor(ex);
    if (req === null) return FILTER_CONTINUE;
    const found: FoundToken[] = [];
    for (const p of providersOf(req, new Set())) extractTokens(ex, p, found);
    if (found.length === 0) {
      const o = outcome(req, []);
      if (o.kind === "ok") return FILTER_CONTINUE;
      this.reject(ex, o.kind === "fail" ? o.status : JWT_MISSING);
      return FILTER_STOP;
    }
    void this.verifyThenResume(ex, index, req, found);
    return FILTER_STOP;
  }

  private async verifyThenResume(ex: HttpStream, index: number, req: JwtRequirement, found: readonly FoundToken[]): Promise<void> {
    let checked: Checked[];
    try {
      checked = await Promise.all(found.map(check));
    } catch {
      this.reject(ex, "Jwt verification fails");
      return;
    }
    const o = outcome(req, checked);
    if (o.kind !== "ok") { this.reject(ex, o.kind === "fail" ? o.status : JWT_MISSING); return; }
    let first = true;
    for (const c of checked) {
      if (c.payload === null) continue;
      applyVerified(ex, c.found, c.payload, first);
      first = false;
    }
    ex.continueFilters(index + 1);
  }

  private reject(ex: HttpStream, status: string): void {
    const realm = `http://${ex.record.authority}${ex.record.path.split("?")[0] ?? ""}`;
    ex.localReply(401, null, status, `www-authenticate: Bearer realm="${realm}", error="invalid_token"\r\n`);
  }
}

function create(name: string, cfg: Record<string, unknown>, field: string): JwtAuthnFilter {
  const providers = new Map<string, JwtProvider>();
  for (const [pname, pv] of Object.entries(obj(cfg["providers"], `${field}.providers`) ?? {})) {
    const p = compileJwtProvider(pname, pv, `${field}.providers.${pname}`);
    providers.set(pname, p);
    // async_fetch: warm the key cache now; a failed fetch is retried on the first request.
    p.prefetch?.().catch(() => undefined);
  }
  const named = new Map<string, JwtRequirement>();
  for (const [rname, rv] of Object.entries(obj(cfg["requirement_map"], `${field}.requirement_map`) ?? {})) {
    named.set(rname, compileRequirement(rv, `${field}.requirement_map.${rname}`, providers));
  }
  const rules = arr(cfg["rules"], `${field}.rules`).map((r, i) => compileRule(r, `${field}.rules[${i}]`, providers, named));
  return new JwtAuthnFilter(name, rules, named, bool(cfg["bypass_cors_preflight"], `${field}.bypass_cors_preflight`) ?? false);
}

registerHttpFilter({ typeUrl: JWT_AUTHN_TYPE, create });
