// What a downstream connection shares with its connection manager: compiled config, clusters,
// route configuration lookup (RDS), the upstream pool and request observers.
import type { ClusterRegistry } from "../contracts.js";
import type { CompiledRouteConfig } from "../router/route-config.js";
import type { HcmConfig } from "./hcm-config.js";
import type { H1ConnectionPool } from "./upstream/connection-pool.js";
import type { HttpRequestObserver } from "./request-record.js";

export interface RouteConfigLookup {
  get(name: string): CompiledRouteConfig | undefined;
}

export interface HcmRuntime {
  readonly config: HcmConfig;
  readonly clusters: ClusterRegistry;
  readonly routeConfigs: RouteConfigLookup | undefined;
  readonly pool: H1ConnectionPool;
  readonly observer: HttpRequestObserver | undefined;
}

/** The route configuration in force for this manager right now (inline or from RDS). */
export function currentRouteConfig(rt: HcmRuntime): CompiledRouteConfig | undefined {
  const c = rt.config;
  if (c.routeConfig !== null) return c.routeConfig;
  return c.rdsName === null ? undefined : rt.routeConfigs?.get(c.rdsName);
}
