// One route: its match (path, headers, query, gRPC) and its action (forward, redirect, direct
// response), compiled from envoy.config.route.v3.Route.
import { invalid, obj, str, bool, int, arr, durationMs, fractionalPercent, type Json } from "./envoy-json.js";
import { compileHeaderMatch, compileQueryParamMatch, type HeaderMatch, type QueryParamMatch } from "./header-match.js";
import { compileRe2, regexMatcher, substitution } from "./regex.js";
import { compileHeaderAdds, compileHeaderRemoves, type HeaderAdd } from "./header-mutation.js";
import { compileRetryPolicy, type RetryPolicy } from "./retry-policy.js";
import { compileHashPolicies, type HashPolicy } from "./hash-policy.js";
import { compileCorsPolicy, type CorsPolicy } from "./cors-policy.js";
import { compilePerFilterConfigs, type PerFilterConfigs } from "./per-filter-config.js";
import type { VirtualHostBase } from "./virtual-host.js";

export const enum PathMatchKind { Prefix, Path, Regex, SeparatedPrefix }

export interface WeightedCluster {
  readonly name: string;
  readonly weight: number;
  readonly requestHeadersToAdd: readonly HeaderAdd[];
  readonly requestHeadersToRemove: readonly string[];
}

export interface ForwardAction {
  readonly cluster: string | null;
  readonly clusterHeader: string | null;
  readonly weighted: readonly WeightedCluster[] | null;
  readonly totalWeight: number;
  readonly clusterNotFoundStatus: number;
  readonly prefixRewrite: string | null;
  readonly regexRewrite: { readonly re: RegExp; readonly sub: string } | null;
  readonly hostRewrite: string | null;
  readonly autoHostRewrite: boolean;
  /** 0 = no timeout. */
  readonly timeoutMs: number;
  /** Route idle_timeout: overrides the HCM's stream_idle_timeout; 0 = disabled, -1 = not set. */
  readonly idleTimeoutMs: number;
  readonly retry: RetryPolicy | null;
  readonly mirrors: readonly { readonly cluster: string; readonly fraction: number }[];
  readonly hashPolicies: readonly HashPolicy[];
  readonly websocket: boolean | undefined;
}

export interface RedirectAction {
  readonly scheme: string | null;
  readonly host: string | null;
  readonly port: number;
  readonly path: string | null;
  readonly prefixRewrite: string | null;
  readonly regexRewrite: { readonly re: RegExp; readonly sub: string } | null;
  readonly status: number;
  readonly stripQuery: boolean;
}

export interface DirectResponseAction {
  readonly status: number;
  readonly body: Buffer;
}

export interface CompiledRoute {
  readonly name: string;
  readonly pathKind: PathMatchKind;
  readonly pathValue: string;
  readonly pathRegex: RegExp | null;
  readonly caseSensitive: boolean;
  readonly headers: readonly HeaderMatch[];
  readonly query: readonly QueryParamMatch[];
  readonly grpc: boolean;
  readonly runtimeFraction: number;
  readonly forward: ForwardAction | null;
  readonly redirect: RedirectAction | null;
  readonly direct: DirectResponseAction | null;
  readonly cors: CorsPolicy | null;
  readonly perFilter: PerFilterConfigs;
  readonly requestHeadersToAdd: readonly HeaderAdd[];
  readonly requestHeadersToRemove: readonly string[];
  readonly responseHeadersToAdd: readonly HeaderAdd[];
  readonly responseHeadersToRemove: readonly string[];
  readonly virtualHost: VirtualHostBase;
}

const REDIRECT_CODES: Record<string, number> = {
  MOVED_PERMANENTLY: 301, FOUND: 302, SEE_OTHER: 303, TEMPORARY_REDIRECT: 307, PERMANENT_REDIRECT: 308,
};

function rewriteRegex(v: unknown, field: string): ForwardAction["regexRewrite"] {
  const o = obj(v, field);
  if (!o) return null;
  const re = regexMatcher(o["pattern"], `${field}.pattern`, false, "g");
  return { re, sub: substitution(str(o["substitution"], `${field}.substitution`) ?? "") };
}

function compileForward(a: Json, f: string, vh: VirtualHostBase): ForwardAction {
  const cluster = str(a["cluster"], `${f}.cluster`) ?? null;
  const clusterHeader = str(a["cluster_header"], `${f}.cluster_header`)?.toLowerCase() ?? null;
  const wc = obj(a["weighted_clusters"], `${f}.weighted_clusters`);
  let weighted: WeightedCluster[] | null = null;
  let totalWeight = 0;
  if (wc) {
    weighted = arr(wc["clusters"], `${f}.weighted_clusters.clusters`).map((c, i) => {
      const cf = `${f}.weighted_clusters.clusters[${i}]`;
      const co = obj(c, cf) ?? {};
      const name = str(co["name"], `${cf}.name`);
      if (!name) throw invalid(`${cf}.name`, "is required");
      const weight = int(co["weight"], `${cf}.weight`) ?? 0;
      if (weight < 0) throw invalid(`${cf}.weight`, "must not be negative");
      return {
        name, weight,
        requestHeadersToAdd: compileHeaderAdds(co["request_headers_to_add"], `${cf}.request_headers_to_add`),
        requestHeadersToRemove: compileHeaderRemoves(co["request_headers_to_remove"], `${cf}.request_headers_to_remove`),
      };
    });
    const sum = weighted.reduce((s, c) => s + c.weight, 0);
    totalWeight = int(wc["total_weight"], `${f}.weighted_clusters.total_weight`) ?? sum;
    if (weighted.length === 0 || sum === 0) throw invalid(`${f}.weighted_clusters`, "needs clusters with a positive total weight");
    if (totalWeight !== sum) throw invalid(`${f}.weighted_clusters.total_weight`, `is ${totalWeight} but the weights sum to ${sum}`);
  }
  if ([cluster, clusterHeader, weighted].filter((x) => x !== null).length !== 1) {
    throw invalid(f, "needs exactly one of cluster, cluster_header, weighted_clusters");
  }
  const nf = a["cluster_not_found_response_code"];
  const mirrors = arr(a["request_mirror_policies"], `${f}.request_mirror_policies`).map((m, i) => {
    const mf = `${f}.request_mirror_policies[${i}]`;
    const mo = obj(m, mf) ?? {};
    const c = str(mo["cluster"], `${mf}.cluster`);
    if (!c) throw invalid(`${mf}.cluster`, "is required");
    const rf = obj(mo["runtime_fraction"], `${mf}.runtime_fraction`);
    return { cluster: c, fraction: rf ? fractionalPercent(rf["default_value"], `${mf}.runtime_fraction.default_value`) ?? 0 : 1 };
  });
  let websocket: boolean | undefined;
  arr(a["upgrade_configs"], `${f}.upgrade_configs`).forEach((u, i) => {
    const uo = obj(u, `${f}.upgrade_configs[${i}]`) ?? {};
    if (String(uo["upgrade_type"]).toLowerCase() === "websocket") websocket = bool(uo["enabled"], `${f}.upgrade_configs[${i}].enabled`) ?? true;
  });
  return {
    cluster, clusterHeader, weighted, totalWeight,
    clusterNotFoundStatus: nf === "NOT_FOUND" || nf === 1 ? 404 : nf === "INTERNAL_SERVER_ERROR" || nf === 2 ? 500 : 503,
    prefixRewrite: str(a["prefix_rewrite"], `${f}.prefix_rewrite`) ?? null,
    regexRewrite: rewriteRegex(a["regex_rewrite"], `${f}.regex_rewrite`),
    hostRewrite: str(a["host_rewrite_literal"], `${f}.host_rewrite_literal`) ?? null,
    autoHostRewrite: bool(a["auto_host_rewrite"], `${f}.auto_host_rewrite`) ?? false,
    timeoutMs: durationMs(a["timeout"], `${f}.timeout`) ?? 15_000,
    idleTimeoutMs: durationMs(a["idle_timeout"], `${f}.idle_timeout`) ?? -1,
    retry: compileRetryPolicy(a["retry_policy"], `${f}.retry_policy`) ?? vh.retry,
    mirrors,
    hashPolicies: compileHashPolicies(a["hash_policy"], `${f}.hash_policy`),
    websocket,
  };
}

function compileRedirect(r: Json, f: string): RedirectAction {
  const code = r["response_code"] ?? "MOVED_PERMANENTLY";
  const status = typeof code === "number" ? [301, 302, 303, 307, 308][code] : REDIRECT_CODES[String(code)];
  if (status === undefined) throw invalid(`${f}.response_code`, `unknown redirect code ${JSON.stringify(code)}`);
  const https = bool(r["https_redirect"], `${f}.https_redirect`) ?? false;
  return {
    scheme: https ? "https" : str(r["scheme_redirect"], `${f}.scheme_redirect`) ?? null,
    host: str(r["host_redirect"], `${f}.host_redirect`) ?? null,
    port: int(r["port_redirect"], `${f}.port_redirect`) ?? 0,
    path: str(r["path_redirect"], `${f}.path_redirect`) ?? null,
    prefixRewrite: str(r["prefix_rewrite"], `${f}.prefix_rewrite`) ?? null,
    regexRewrite: rewriteRegex(r["regex_rewrite"], `${f}.regex_rewrite`),
    status,
    stripQuery: bool(r["strip_query"], `${f}.strip_query`) ?? false,
  };
}

function compileDirect(d: Json, f: string): DirectResponseAction {
  const status = int(d["status"], `${f}.status`);
  if (status === undefined || status < 100 || status > 599) throw invalid(`${f}.status`, "must be 100..599");
  const b = obj(d["body"], `${f}.body`);
  let body = Buffer.alloc(0);
  if (b) {
    const s = str(b["inline_string"], `${f}.body.inline_string`);
    const bytes = str(b["inline_bytes"], `${f}.body.inline_bytes`);
    if (s !== undefined) body = Buffer.from(s, "utf8");
    else if (bytes !== undefined) body = Buffer.from(bytes, "base64");
    else throw invalid(`${f}.body`, "needs inline_string or inline_bytes");
  }
  return { status, body };
}

export function compileRoute(v: unknown, f: string, vh: VirtualHostBase): CompiledRoute {
  const r = obj(v, f) ?? {};
  const m = obj(r["match"], `${f}.match`);
  if (!m) throw invalid(`${f}.match`, "is required");
  const caseSensitive = bool(m["case_sensitive"], `${f}.match.case_sensitive`) ?? true;
  let pathKind: PathMatchKind;
  let pathValue = "";
  let pathRegex: RegExp | null = null;
  if (m["prefix"] !== undefined) { pathKind = PathMatchKind.Prefix; pathValue = str(m["prefix"], `${f}.match.prefix`) ?? ""; }
  else if (m["path"] !== undefined) { pathKind = PathMatchKind.Path; pathValue = str(m["path"], `${f}.match.path`) ?? ""; }
  else if (m["safe_regex"] !== undefined) { pathKind = PathMatchKind.Regex; pathRegex = regexMatcher(m["safe_regex"], `${f}.match.safe_regex`, true); }
  else if (m["path_separated_prefix"] !== undefined) {
    pathKind = PathMatchKind.SeparatedPrefix;
    pathValue = str(m["path_separated_prefix"], `${f}.match.path_separated_prefix`) ?? "";
    if (pathValue.endsWith("/") || pathValue.includes("?") || pathValue.includes("#")) {
      throw invalid(`${f}.match.path_separated_prefix`, "must not end with '/' or contain '?' or '#'");
    }
  } else throw invalid(`${f}.match`, "needs one of prefix, path, safe_regex, path_separated_prefix");
  if (!caseSensitive) pathValue = pathValue.toLowerCase();
  if (pathRegex && !caseSensitive) pathRegex = compileRe2(pathRegex.source, `${f}.match.safe_regex`, false, "i");
  const rf = obj(m["runtime_fraction"], `${f}.match.runtime_fraction`);
  const action = obj(r["route"], `${f}.route`);
  const redirect = obj(r["redirect"], `${f}.redirect`);
  const direct = obj(r["direct_response"], `${f}.direct_response`);
  if ([action, redirect, direct].filter((x) => x !== undefined).length !== 1) {
    throw invalid(f, "needs exactly one of route, redirect, direct_response");
  }
  const perFilter = compilePerFilterConfigs(r["typed_per_filter_config"], `${f}.typed_per_filter_config`, vh.perFilter);
  const rc = vh.routeConfig;
  return {
    name: str(r["name"], `${f}.name`) ?? "",
    pathKind, pathValue, pathRegex, caseSensitive,
    headers: arr(m["headers"], `${f}.match.headers`).map((h, i) => compileHeaderMatch(h, `${f}.match.headers[${i}]`)),
    query: arr(m["query_parameters"], `${f}.match.query_parameters`).map((q, i) => compileQueryParamMatch(q, `${f}.match.query_parameters[${i}]`)),
    grpc: m["grpc"] !== undefined && m["grpc"] !== null,
    runtimeFraction: rf ? fractionalPercent(rf["default_value"], `${f}.match.runtime_fraction.default_value`) ?? 1 : 1,
    forward: action ? compileForward(action, `${f}.route`, vh) : null,
    redirect: redirect ? compileRedirect(redirect, `${f}.redirect`) : null,
    direct: direct ? compileDirect(direct, `${f}.direct_response`) : null,
    cors: action && action["cors"] !== undefined ? compileCorsPolicy(action["cors"], `${f}.route.cors`) : vh.cors,
    perFilter,
    requestHeadersToAdd: [...compileHeaderAdds(r["request_headers_to_add"], `${f}.request_headers_to_add`), ...vh.requestHeadersToAdd, ...rc.requestHeadersToAdd],
    requestHeadersToRemove: [...compileHeaderRemoves(r["request_headers_to_remove"], `${f}.request_headers_to_remove`), ...vh.requestHeadersToRemove, ...rc.requestHeadersToRemove],
    responseHeadersToAdd: [...compileHeaderAdds(r["response_headers_to_add"], `${f}.response_headers_to_add`), ...vh.responseHeadersToAdd, ...rc.responseHeadersToAdd],
    responseHeadersToRemove: [...compileHeaderRemoves(r["response_headers_to_remove"], `${f}.response_headers_to_remove`), ...vh.responseHeadersToRemove, ...rc.responseHeadersToRemove],
    virtualHost: vh,
  };
}
