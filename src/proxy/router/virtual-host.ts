// Virtual hosts and Envoy's domain precedence: exact, then `*.suffix` / `*suffix` (longest
// first), then `prefix.*` / `prefix*` (longest first), then `*`.
import { invalid, obj, str, arr, bool } from "./envoy-json.js";
import { compileHeaderAdds, compileHeaderRemoves, type HeaderAdd } from "./header-mutation.js";
import { compileRetryPolicy, type RetryPolicy } from "./retry-policy.js";
import { compileCorsPolicy, type CorsPolicy } from "./cors-policy.js";
import { compilePerFilterConfigs, type PerFilterConfigs } from "./per-filter-config.js";
import { compileRoute, type CompiledRoute } from "./route.js";

export interface HeaderLevel {
  readonly requestHeadersToAdd: readonly HeaderAdd[];
  readonly requestHeadersToRemove: readonly string[];
  readonly responseHeadersToAdd: readonly HeaderAdd[];
  readonly responseHeadersToRemove: readonly string[];
}

/** The parts of a virtual host its routes inherit. */
export interface VirtualHostBase extends HeaderLevel {
  readonly name: string;
  readonly retry: RetryPolicy | null;
  readonly cors: CorsPolicy | null;
  readonly perFilter: PerFilterConfigs;
  readonly routeConfig: HeaderLevel & { readonly name: string };
  /** include_request_attempt_count: x-envoy-attempt-count on upstream requests. */
  readonly includeRequestAttemptCount: boolean;
  /** include_attempt_count_in_response: x-envoy-attempt-count (attempts made) on responses to the client. */
  readonly includeAttemptCountInResponse: boolean;
}

export interface CompiledVirtualHost extends VirtualHostBase {
  readonly domains: readonly string[];
  readonly routes: readonly CompiledRoute[];
}

export function compileVirtualHost(v: unknown, f: string, rc: VirtualHostBase["routeConfig"]): CompiledVirtualHost {
  const o = obj(v, f) ?? {};
  const name = str(o["name"], `${f}.name`);
  if (!name) throw invalid(`${f}.name`, "is required");
  const domains = arr(o["domains"], `${f}.domains`).map((d, i) => (str(d, `${f}.domains[${i}]`) ?? "").toLowerCase());
  if (domains.length === 0) throw invalid(`${f}.domains`, "must not be empty");
  const base: VirtualHostBase = {
    name,
    retry: compileRetryPolicy(o["retry_policy"], `${f}.retry_policy`),
    cors: o["cors"] === undefined ? null : compileCorsPolicy(o["cors"], `${f}.cors`),
    perFilter: compilePerFilterConfigs(o["typed_per_filter_config"], `${f}.typed_per_filter_config`),
    requestHeadersToAdd: compileHeaderAdds(o["request_headers_to_add"], `${f}.request_headers_to_add`),
    requestHeadersToRemove: compileHeaderRemoves(o["request_headers_to_remove"], `${f}.request_headers_to_remove`),
    responseHeadersToAdd: compileHeaderAdds(o["response_headers_to_add"], `${f}.response_headers_to_add`),
    responseHeadersToRemove: compileHeaderRemoves(o["response_headers_to_remove"], `${f}.response_headers_to_remove`),
    routeConfig: rc,
    includeRequestAttemptCount: bool(o["include_request_attempt_count"], `${f}.include_request_attempt_count`) ?? false,
    includeAttemptCountInResponse: bool(o["include_attempt_count_in_response"], `${f}.include_attempt_count_in_response`) ?? false,
  };
  const routes = arr(o["routes"], `${f}.routes`).map((r, i) => compileRoute(r, `${f}.routes[${i}]`, base));
  return { ...base, domains, routes };
}

/** Domain lookup tables built once per route configuration. */
export class VirtualHostTable {
  private readonly exact = new Map<string, CompiledVirtualHost>();
  private readonly suffixes: [string, CompiledVirtualHost][] = [];
  private readonly prefixes: [string, CompiledVirtualHost][] = [];
  private any: CompiledVirtualHost | null = null;

  constructor(vhosts: readonly CompiledVirtualHost[], field: string) {
    const seen = new Set<string>();
    vhosts.forEach((vh, i) => {
      for (const d of vh.domains) {
        if (seen.has(d)) throw invalid(`${field}[${i}].domains`, `duplicate domain ${JSON.stringify(d)}`);
        seen.add(d);
        if (d === "*") this.any = vh;
        else if (d.startsWith("*")) this.suffixes.push([d.slice(1), vh]);
        else if (d.endsWith("*")) this.prefixes.push([d.slice(0, -1), vh]);
        else if (d.includes("*")) throw invalid(`${field}[${i}].domains`, `wildcard only at start or end: ${JSON.stringify(d)}`);
        else this.exact.set(d, vh);
      }
    });
    this.suffixes.sort((a, b) => b[0].length - a[0].length);
    this.prefixes.sort((a, b) => b[0].length - a[0].length);
  }

  /** `host` lower-cased already. Wildcards need at least one character to stand for. */
  find(host: string): CompiledVirtualHost | null {
    if (this.exact.size > 0) {
      const e = this.exact.get(host);
      if (e !== undefined) return e;
    }
    for (let i = 0; i < this.suffixes.length; i++) {
      const s = this.suffixes[i] as [string, CompiledVirtualHost];
      if (host.length > s[0].length && host.endsWith(s[0])) return s[1];
    }
    for (let i = 0; i < this.prefixes.length; i++) {
      const p = this.prefixes[i] as [string, CompiledVirtualHost];
      if (host.length > p[0].length && host.startsWith(p[0])) return p[1];
    }
    return this.any;
  }
}
