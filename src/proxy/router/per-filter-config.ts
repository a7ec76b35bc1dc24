// typed_per_filter_config: compiled once per route/virtual host, keyed by HTTP filter name.
import { obj, str, bool } from "./envoy-json.js";
import { compileCorsPolicy } from "./cors-policy.js";
import { compileFaultPolicy } from "./fault-policy.js";

export const CORS_POLICY_TYPE = "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy";
export const FAULT_TYPE = "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault";
const FILTER_CONFIG_TYPE = "type.googleapis.com/envoy.config.route.v3.FilterConfig";

/** Marks a filter disabled for a route (FilterConfig { disabled: true }). */
export const FILTER_DISABLED = Symbol("filter-disabled");

export type PerFilterConfigs = ReadonlyMap<string, unknown>;

function compileOne(v: unknown, field: string): unknown {
  const o = obj(v, field) ?? {};
  const type = str(o["@type"], `${field}.@type`);
  if (type === FILTER_CONFIG_TYPE) {
    if (bool(o["disabled"], `${field}.disabled`) === true) return FILTER_DISABLED;
    return o["config"] === undefined ? undefined : compileOne(o["config"], `${field}.config`);
  }
  if (type === CORS_POLICY_TYPE) return compileCorsPolicy(o, field);
  if (type === FAULT_TYPE) return compileFaultPolicy(o, field);
  return o;
}

/** Compiles `v` and layers it over `inherited` (more specific levels win per filter). */
export function compilePerFilterConfigs(v: unknown, field: string, inherited?: PerFilterConfigs): PerFilterConfigs {
  const o = obj(v, field);
  if (!o) return inherited ?? new Map();
  const out = new Map(inherited);
  for (const [name, cfg] of Object.entries(o)) out.set(name, compileOne(cfg, `${field}.${name}`));
  return out;
}
