// envoy.filters.http.rbac: enforced rules answer 403 "RBAC: access denied" as Envoy does;
// shadow rules only record their verdict (dynamic metadata, counters). RBACPerRoute in
// typed_per_filter_config replaces the filter's config for that route.
import { FILTER_DISABLED } from "../../../router/per-filter-config.js";
import { obj } from "../../../router/envoy-json.js";
import { errorMessage } from "../../../../errors.js";
import { FILTER_CONTINUE, FILTER_STOP, registerHttpFilter, type HttpFilter, type HttpStream } from "../http-filter.js";
import { compileRbacConfig, type RbacConfig } from "./rbac-engine.js";
import { httpRbacRequest } from "./http-rbac-request.js";
import { setMetadata } from "./dynamic-metadata.js";

export const HTTP_RBAC_TYPE = "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC";
export const HTTP_RBAC_PER_ROUTE_TYPE = "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute";
export const RBAC_DENIED_BODY = "RBAC: access denied";
/** Envoy writes the RBAC filter's dynamic metadata under its extension name, whatever the filter is called. */
export const RBAC_METADATA = "envoy.filters.http.rbac";

/** Per-route configs compiled on first use (the route compiler keeps unknown types raw). */
const perRouteCache = new WeakMap<object, RbacConfig | Error>();

function perRouteConfig(raw: object): RbacConfig | Error {
  let c = perRouteCache.get(raw);
  if (c === undefined) {
    try {
      const o = raw as Record<string, unknown>;
      c = compileRbacConfig(obj(o["rbac"], "typed_per_filter_config.rbac") ?? {}, "typed_per_filter_config.rbac");
    } catch (e) {
      c = e instanceof Error ? e : new Error(errorMessage(e));
    }
    perRouteCache.set(raw, c);
  }
  return c;
}

export class HttpRbacFilter implements HttpFilter {
  allowed = 0;
  denied = 0;
  shadowAllowed = 0;
  shadowDenied = 0;

  constructor(readonly name: string, private readonly config: RbacConfig) {}

  onRequest(ex: HttpStream): number {
    let cfg = this.config;
    const per = ex.route?.perFilter.get(this.name);
    if (per === FILTER_DISABLED) return FILTER_CONTINUE;
    if (typeof per === "object" && per !== null) {
      const c = perRouteConfig(per);
      if (c instanceof Error) {
        // A per-route config that does not compile fails closed rather than open.
        ex.localReply(403, null, RBAC_DENIED_BODY);
        return FILTER_STOP;
      }
      cfg = c;
    }
    if (cfg.rules === null && cfg.shadow === null) return FILTER_CONTINUE;
    const req = httpRbacRequest(ex);
    if (cfg.shadow !== null) {
      const d = cfg.shadow.evaluate(req);
      if (d.allowed) this.shadowAllowed++; else this.shadowDenied++;
      setMetadata(ex, RBAC_METADATA, `${cfg.shadowPrefix}shadow_engine_result`, d.allowed ? "allowed" : "denied");
      if (d.policy !== null) setMetadata(ex, RBAC_METADATA, `${cfg.shadowPrefix}shadow_effective_policy_id`, d.policy);
    }
    if (cfg.rules === null) return FILTER_CONTINUE;
    const d = cfg.rules.evaluate(req);
    if (d.policy !== null && cfg.rules.action === "LOG") setMetadata(ex, RBAC_METADATA, "access_log_hint", true);
    if (d.allowed) { this.allowed++; return FILTER_CONTINUE; }
    this.denied++;
    ex.localReply(403, null, RBAC_DENIED_BODY);
    return FILTER_STOP;
  }
}

registerHttpFilter({
  typeUrl: HTTP_RBAC_TYPE,
  create: (name, cfg, field) => new HttpRbacFilter(name, compileRbacConfig(cfg, field)),
});
