// CORS policy (envoy.extensions.filters.http.cors.v3.CorsPolicy and the legacy route/vhost `cors`).
import { obj, str, bool, arr, fractionalPercent } from "./envoy-json.js";
import { compileStringMatch, testStringMatch, type StringMatch } from "./string-match.js";

export interface CorsPolicy {
  readonly origins: readonly StringMatch[];
  readonly allowMethods: string;
  readonly allowHeaders: string;
  readonly exposeHeaders: string;
  readonly maxAge: string;
  readonly allowCredentials: boolean;
  readonly enabled: boolean;
}

export function compileCorsPolicy(v: unknown, field: string): CorsPolicy {
  const o = obj(v, field) ?? {};
  const fe = obj(o["filter_enabled"], `${field}.filter_enabled`);
  const enabledFraction = fe ? fractionalPercent(fe["default_value"], `${field}.filter_enabled.default_value`) ?? 1 : 1;
  return {
    origins: arr(o["allow_origin_string_match"], `${field}.allow_origin_string_match`)
      .map((m, i) => compileStringMatch(m, `${field}.allow_origin_string_match[${i}]`)),
    allowMethods: str(o["allow_methods"], `${field}.allow_methods`) ?? "",
    allowHeaders: str(o["allow_headers"], `${field}.allow_headers`) ?? "",
    exposeHeaders: str(o["expose_headers"], `${field}.expose_headers`) ?? "",
    maxAge: str(o["max_age"], `${field}.max_age`) ?? "",
    allowCredentials: bool(o["allow_credentials"], `${field}.allow_credentials`) ?? false,
    enabled: enabledFraction > 0,
  };
}

export function corsOriginAllowed(p: CorsPolicy, origin: string): boolean {
  for (const m of p.origins) if (testStringMatch(m, origin)) return true;
  return false;
}
