// envoy.filters.http.cors: answers preflight requests itself and adds the CORS response headers
// to simple requests, from the route's policy (typed_per_filter_config or the route/vhost cors).
import { CORS_POLICY_TYPE, FILTER_DISABLED } from "../../router/per-filter-config.js";
import { corsOriginAllowed, type CorsPolicy } from "../../router/cors-policy.js";
import { FILTER_CONTINUE, FILTER_STOP, registerHttpFilter, type HttpFilter, type HttpStream } from "./http-filter.js";

const CORS_FILTER_TYPE = "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors";

class CorsFilter implements HttpFilter {
  constructor(readonly name: string) {}

  onRequest(ex: HttpStream): number {
    const route = ex.route;
    if (route === null) return FILTER_CONTINUE;
    const per = route.perFilter.get(this.name);
    if (per === FILTER_DISABLED) return FILTER_CONTINUE;
    const policy = typeof per === "object" && per !== null && "origins" in per ? (per as CorsPolicy) : route.cors;
    if (policy === null || !policy.enabled) return FILTER_CONTINUE;
    const origin = ex.headers.get("origin");
    if (origin === undefined || !corsOriginAllowed(policy, origin)) return FILTER_CONTINUE;
    const preflight = ex.method === "OPTIONS" && ex.headers.get("access-control-request-method") !== undefined;
    if (preflight) {
      let h = `access-control-allow-origin: ${origin}\r\n`;
      if (policy.allowCredentials) h += "access-control-allow-credentials: true\r\n";
      if (policy.allowMethods) h += `access-control-allow-methods: ${policy.allowMethods}\r\n`;
      if (policy.allowHeaders) h += `access-control-allow-headers: ${policy.allowHeaders}\r\n`;
      if (policy.maxAge) h += `access-control-max-age: ${policy.maxAge}\r\n`;
      ex.localReply(200, null, "", h);
      return FILTER_STOP;
    }
    ex.addResponseHeader("access-control-allow-origin", origin);
    if (policy.allowCredentials) ex.addResponseHeader("access-control-allow-credentials", "true");
    if (policy.exposeHeaders) ex.addResponseHeader("access-control-expose-headers", policy.exposeHeaders);
    return FILTER_CONTINUE;
  }
}

registerHttpFilter({ typeUrl: CORS_FILTER_TYPE, create: (name) => new CorsFilter(name) });
registerHttpFilter({ typeUrl: CORS_POLICY_TYPE, create: (name) => new CorsFilter(name) });
