// Registers the HTTP filters that ship with the proxy (import for side effects). Light filters
// register at import. Heavy ones (jwt_authn pulls in jose, ext_authz gRPC and protos: ~10 MB
// resident each) are loaders keyed by type URL: a process that chose on-demand extensions (the
// `mizzen proxy` process) loads them when a configuration names them (loadHttpFilters, awaited
// before the configuration is compiled); every other importer gets them all at import, as before.
import { extensionsOnDemand } from "../../listener/filter-registry.js";
import "./fault.js";
import "./cors.js";
import "./rbac/rbac-filter.js";
import "../../../telemetry/stats/http-stats.js";
import "../../../telemetry/wiring/typed-struct-filter.js";

const JWT_AUTHN = "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication";
const EXT_AUTHZ = "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz";

/** Filters loaded on first use, by type URL: importing the module registers its factory. */
const HTTP_FILTER_LOADERS: ReadonlyMap<string, () => Promise<unknown>> = new Map<string, () => Promise<unknown>>([
  [JWT_AUTHN, () => import("./jwt-authn/jwt-filter.js")],
  [EXT_AUTHZ, () => import("./ext-authz/ext-authz-filter.js")],
]);

/** The type URLs whose filter code loads on demand. */
export function lazyHttpFilterTypes(): string[] {
  return [...HTTP_FILTER_LOADERS.keys()];
}

/** Loads (once; modules are cached) the filters among `typeUrls` that load on demand; other URLs are ignored. */
export async function loadHttpFilters(typeUrls: Iterable<string>): Promise<void> {
  const loads: Promise<unknown>[] = [];
  for (const url of new Set(typeUrls)) {
    const load = HTTP_FILTER_LOADERS.get(url);
    if (load) loads.push(load());
  }
  await Promise.all(loads);
}

if (!extensionsOnDemand()) await loadHttpFilters(HTTP_FILTER_LOADERS.keys());
