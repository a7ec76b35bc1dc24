// The route matcher's public surface, shared by the proxy and the control plane's simulator.
export { compileRouteConfiguration, CompiledRouteConfig, stripHostPort, type RouteMatchResult } from "./route-config.js";
export { RouteConfigStore } from "./route-config-store.js";
export { upstreamPath, redirectLocation, pickClusterName } from "./rewrite.js";
export type { CompiledRoute, ForwardAction, RedirectAction, DirectResponseAction } from "./route.js";
export type { CompiledVirtualHost } from "./virtual-host.js";
export type { RouteRequest, HeaderSource } from "./request-view.js";
