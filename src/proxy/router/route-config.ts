// compileRouteConfiguration: an envoy.config.route.v3.RouteConfiguration compiled once into
// lookup tables; match() picks the virtual host and the first matching route.
import { invalid, obj, str, bool, arr } from "./envoy-json.js";
import { compileHeaderAdds, compileHeaderRemoves } from "./header-mutation.js";
import { compileVirtualHost, VirtualHostTable, type CompiledVirtualHost } from "./virtual-host.js";
import { PathMatchKind, type CompiledRoute } from "./route.js";
import { testHeaderMatch, testStringMatchOrPresent, queryParam } from "./route-match-helpers.js";
import { headerSource, readHeader, type HeaderSource, type RouteRequest } from "./request-view.js";
import type { EnvoyJson } from "../contracts.js";

export interface RouteMatchResult {
  readonly route: CompiledRoute;
  readonly virtualHost: CompiledVirtualHost;
}

export class CompiledRouteConfig {
  readonly name: string;
  readonly virtualHosts: readonly CompiledVirtualHost[];
  readonly ignorePortInHostMatching: boolean;
  private readonly table: VirtualHostTable;

  constructor(json: EnvoyJson) {
    const name = str(json["name"], "name") ?? "";
    const rc = {
      name,
      requestHeadersToAdd: compileHeaderAdds(json["request_headers_to_add"], "request_headers_to_add"),
      requestHeadersToRemove: compileHeaderRemoves(json["request_headers_to_remove"], "request_headers_to_remove"),
      responseHeadersToAdd: compileHeaderAdds(json["response_headers_to_add"], "response_headers_to_add"),
      responseHeadersToRemove: compileHeaderRemoves(json["response_headers_to_remove"], "response_headers_to_remove"),
    };
    this.name = name;
    this.virtualHosts = arr(json["virtual_hosts"], "virtual_hosts").map((v, i) => compileVirtualHost(v, `virtual_hosts[${i}]`, rc));
    this.ignorePortInHostMatching = bool(json["ignore_port_in_host_matching"], "ignore_port_in_host_matching") ?? false;
    this.table = new VirtualHostTable(this.virtualHosts, "virtual_hosts");
  }

  /** The last lookup: clients send the same Host on request after request. */
  private lastAuthority: string | null = null;
  private lastStripPort = false;
  private lastVirtualHost: CompiledVirtualHost | null = null;

  /** The virtual host for an authority (Host header), or null. */
  findVirtualHost(authority: string, stripPort = false): CompiledVirtualHost | null {
    // Comparing with the last authority costs less than lower-casing and hashing a fresh string.
    if (authority === this.lastAuthority && stripPort === this.lastStripPort) return this.lastVirtualHost;
    let host = authority.toLowerCase();
    if (stripPort || this.ignorePortInHostMatching) host = stripHostPort(host);
    const vh = this.table.find(host);
    this.lastAuthority = authority;
    this.lastStripPort = stripPort;
    this.lastVirtualHost = vh;
    return vh;
  }

  match(req: RouteRequest, stripPort = false): RouteMatchResult | null {
    const vh = this.findVirtualHost(req.authority, stripPort);
    if (vh === null) return null;
    const route = matchRoutes(vh.routes, req, headerSource(req.headers));
    return route === null ? null : { route, virtualHost: vh };
  }
}

/** Removes ":port" from "host:port" and "[v6]:port". */
export function stripHostPort(host: string): string {
  const colon = host.lastIndexOf(":");
  if (colon < 0) return host;
  const bracket = host.lastIndexOf("]");
  if (bracket > colon) return host;
  if (host.charCodeAt(0) !== 91 /* [ */ && host.indexOf(":") !== colon) return host; // bare IPv6
  return host.slice(0, colon);
}

export function compileRouteConfiguration(json: EnvoyJson): CompiledRouteConfig {
  if (obj(json, "route_configuration") === undefined) throw invalid("route_configuration", "is required");
  return new CompiledRouteConfig(json);
}

function pathMatches(r: CompiledRoute, path: string, pathEnd: number): boolean {
  switch (r.pathKind) {
    case PathMatchKind.Prefix:
      if (r.caseSensitive) return pathEnd >= r.pathValue.length && path.startsWith(r.pathValue);
      return path.slice(0, r.pathValue.length).toLowerCase() === r.pathValue && pathEnd >= r.pathValue.length;
    case PathMatchKind.Path: {
      if (pathEnd !== r.pathValue.length) return false;
      const p = pathEnd === path.length ? path : path.slice(0, pathEnd);
      return r.caseSensitive ? p === r.pathValue : p.toLowerCase() === r.pathValue;
    }
    case PathMatchKind.Regex:
      return (r.pathRegex as RegExp).test(pathEnd === path.length ? path : path.slice(0, pathEnd));
    case PathMatchKind.SeparatedPrefix: {
      const n = r.pathValue.length;
      if (pathEnd < n) return false;
      const head = path.slice(0, n);
      if ((r.caseSensitive ? head : head.toLowerCase()) !== r.pathValue) return false;
      return pathEnd === n || path.charCodeAt(n) === 47 /* / */;
    }
  }
}

/** First route of `routes` matching the request, or null. */
export function matchRoutes(routes: readonly CompiledRoute[], req: RouteRequest, headers: HeaderSource): CompiledRoute | null {
  const path = req.path;
  let pathEnd = path.indexOf("?");
  if (pathEnd < 0) pathEnd = path.length;
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i] as CompiledRoute;
    if (!pathMatches(r, path, pathEnd)) continue;
    if (r.grpc) {
      const ct = headers.get("content-type");
      if (ct === undefined || !ct.startsWith("application/grpc")) continue;
    }
    let ok = true;
    for (let h = 0; ok && h < r.headers.length; h++) {
      const m = r.headers[h] as CompiledRoute["headers"][number];
      ok = testHeaderMatch(m, readHeader(req, headers, m.name));
    }
    if (ok && r.query.length > 0) {
      const query = pathEnd < path.length ? path.slice(pathEnd + 1) : "";
      for (let q = 0; ok && q < r.query.length; q++) {
        const m = r.query[q] as CompiledRoute["query"][number];
        ok = testStringMatchOrPresent(m.string, queryParam(query, m.name));
      }
    }
    if (!ok) continue;
    if (r.runtimeFraction < 1 && Math.random() >= r.runtimeFraction) continue;
    return r;
  }
  return null;
}
