// VirtualService HTTPRoute → Envoy routes: one route per applicable match, with its action
// (forward with weights and subsets, redirect, direct response), rewrites, timeout, retries,
// fault, CORS, headers, mirroring and consistent-hash policies; delegates are expanded in place.
import type { Destination, HTTPMatchRequest, HTTPRoute } from "../config/kinds/networking/index.js";
import { envoyDuration, fractionalPercent, outboundClusterName, type EnvoyJson } from "./envoy.js";
import { resolveHost } from "./hosts.js";
import type { PushContext } from "./push-context.js";
import { corsConfig, faultConfig, headerMutations, retryPolicy } from "./route-policies.js";
import { envoyRouteMatch, matchApplies, mergeMatch, type MatchContext } from "./route-match.js";
import { mergedPolicy } from "./traffic-policy.js";

export interface RouteContext extends MatchContext {
  readonly push: PushContext;
  /** The namespace DestinationRules are looked up from (the proxy's). */
  readonly proxyNamespace: string;
}

const redirectCodes: Readonly<Record<number, string>> = {
  301: "MOVED_PERMANENTLY", 302: "FOUND", 303: "SEE_OTHER", 307: "TEMPORARY_REDIRECT", 308: "PERMANENT_REDIRECT",
};

/** The cluster of a destination: its port, else the service's only port, else the listener port. */
export function destinationCluster(d: Destination, namespace: string, ctx: RouteContext): string {
  const host = resolveHost(d.host, namespace, ctx.push.domainSuffix);
  let port = d.port?.number;
  if (port === undefined) {
    const svc = ctx.push.registry.service(host);
    port = svc && svc.ports.length === 1 && svc.ports[0] ? svc.ports[0].port : ctx.port;
  }
  return outboundClusterName(port, d.subset ?? "", host);
}

/** Route hash_policy from the first destination's DestinationRule consistentHash. */
function hashPolicy(d: Destination, namespace: string, ctx: RouteContext): EnvoyJson[] | undefined {
  const host = resolveHost(d.host, namespace, ctx.push.domainSuffix);
  const svc = ctx.push.registry.service(host);
  if (!svc) return undefined;
  const dr = ctx.push.destinationRule(ctx.proxyNamespace, ctx.sourceLabels, svc);
  const ch = mergedPolicy(dr, d.port?.number ?? ctx.port, d.subset ?? "").loadBalancer?.consistentHash;
  if (!ch) return undefined;
  if (ch.httpHeaderName) return [{ header: { header_name: ch.httpHeaderName } }];
  if (ch.httpCookie) {
    const cookie: EnvoyJson = { name: ch.httpCookie.name };
    if (ch.httpCookie.path) cookie["path"] = ch.httpCookie.path;
    const ttl = envoyDuration(ch.httpCookie.ttl);
    if (ttl) cookie["ttl"] = ttl;
    return [{ cookie }];
  }
  if (ch.useSourceIp) return [{ connection_properties: { source_ip: true } }];
  if (ch.httpQueryParameterName) return [{ query_parameter: { name: ch.httpQueryParameterName } }];
  return undefined;
}

function forwardAction(r: HTTPRoute, namespace: string, ctx: RouteContext, route: EnvoyJson): EnvoyJson {
  const dests = r.route ?? [];
  const action: EnvoyJson = {};
  const first = dests[0];
  if (dests.length === 1 && first) {
    action["cluster"] = destinationCluster(first.destination, namespace, ctx);
    const h = headerMutations(first.headers);
    for (const [k, v] of Object.entries(h)) route[k] = [...((route[k] as unknown[] | undefined) ?? []), ...(v as unknown[])];
  } else {
    action["weighted_clusters"] = {
      clusters: dests.map((d) => ({ name: destinationCluster(d.destination, namespace, ctx), weight: d.weight ?? 0, ...headerMutations(d.headers) })),
    };
  }
  action["timeout"] = envoyDuration(r.timeout) ?? "0s";
  const retry = retryPolicy(r.retries, ctx.push.mesh);
  if (retry) action["retry_policy"] = retry;
  if (r.rewrite?.uri !== undefined) action["prefix_rewrite"] = r.rewrite.uri;
  if (r.rewrite?.uriRegexRewrite) action["regex_rewrite"] = { pattern: { regex: r.rewrite.uriRegexRewrite.match ?? "" }, substitution: r.rewrite.uriRegexRewrite.rewrite ?? "" };
  if (r.rewrite?.authority) action["host_rewrite_literal"] = r.rewrite.authority;
  const mirrors: EnvoyJson[] = [];
  if (r.mirror) {
    const pct = r.mirrorPercentage?.value ?? r.mirrorPercent ?? 100;
    mirrors.push({ cluster: destinationCluster(r.mirror, namespace, ctx), runtime_fraction: { default_value: fractionalPercent(pct) } });
  }
  for (const m of r.mirrors ?? []) {
    mirrors.push({ cluster: destinationCluster(m.destination, namespace, ctx), runtime_fraction: { default_value: fractionalPercent(m.percentage?.value ?? 100) } });
  }
  if (mirrors.length > 0) action["request_mirror_policies"] = mirrors;
  const hp = first ? hashPolicy(first.destination, namespace, ctx) : undefined;
  if (hp) action["hash_policy"] = hp;
  return action;
}

function redirectAction(red: NonNullable<HTTPRoute["redirect"]>): EnvoyJson {
  const out: EnvoyJson = { response_code: redirectCodes[red.redirectCode ?? 301] ?? "MOVED_PERMANENTLY" };
  if (red.uri !== undefined) out["path_redirect"] = red.uri;
  if (red.prefixRewrite !== undefined) out["prefix_rewrite"] = red.prefixRewrite;
  if (red.authority !== undefined) out["host_redirect"] = red.authority;
  if (red.port !== undefined) out["port_redirect"] = red.port;
  if (red.scheme !== undefined) out["scheme_redirect"] = red.scheme;
  return out;
}

function routeName(r: HTTPRoute, m: HTTPMatchRequest | undefined): string {
  if (m?.name) return r.name ? `${r.name}.${m.name}` : m.name;
  return r.name ?? "";
}

/** The Envoy routes of one HTTPRoute of a VirtualService in `namespace`. */
export function translateHttpRoute(r: HTTPRoute, namespace: string, ctx: RouteContext, depth = 0): EnvoyJson[] {
  const matches = (r.match ?? []).filter((m) => matchApplies(m, ctx, namespace));
  if ((r.match ?? []).length > 0 && matches.length === 0) return [];
  if (r.delegate) return translateDelegate(r, matches, namespace, ctx, depth);
  const list: (HTTPMatchRequest | undefined)[] = matches.length > 0 ? matches : [undefined];
  return list.map((m) => buildRoute(r, m, namespace, ctx));
}

function buildRoute(r: HTTPRoute, m: HTTPMatchRequest | undefined, namespace: string, ctx: RouteContext): EnvoyJson {
  const route: EnvoyJson = { name: routeName(r, m), match: envoyRouteMatch(m), ...headerMutations(r.headers) };
  if (r.redirect) route["redirect"] = redirectAction(r.redirect);
  else if (r.directResponse) {
    const body = r.directResponse.body;
    const dr: EnvoyJson = { status: r.directResponse.status };
    if (body?.string !== undefined) dr["body"] = { inline_string: body.string };
    else if (body?.bytes !== undefined) dr["body"] = { inline_bytes: body.bytes };
    route["direct_response"] = dr;
  } else if ((r.route ?? []).length === 0) {
    // Validation rejects such routes; should one get here, answer 503 rather than emit a route
    // Envoy would refuse (an empty weighted_clusters), which would reject the whole table.
    route["direct_response"] = { status: 503 };
  } else route["route"] = forwardAction(r, namespace, ctx, route);
  const perFilter: EnvoyJson = {};
  const fault = faultConfig(r.fault);
  if (fault) perFilter["envoy.filters.http.fault"] = fault;
  const cors = corsConfig(r.corsPolicy);
  if (cors) perFilter["envoy.filters.http.cors"] = cors;
  if (Object.keys(perFilter).length > 0) route["typed_per_filter_config"] = perFilter;
  return route;
}

/** Delegate: the child VirtualService's routes, each match narrowed by the root's matches. */
function translateDelegate(r: HTTPRoute, rootMatches: HTTPMatchRequest[], namespace: string, ctx: RouteContext, depth: number): EnvoyJson[] {
  const d = r.delegate;
  if (!d?.name || depth > 0) return []; // Istio allows one level of delegation
  const child = ctx.push.delegate(d.name, d.namespace ?? namespace);
  if (!child) return [];
  const out: EnvoyJson[] = [];
  const roots: (HTTPMatchRequest | undefined)[] = rootMatches.length > 0 ? rootMatches : [undefined];
  for (const cr of child.vs.spec.http ?? []) {
    const childMatches: (HTTPMatchRequest | undefined)[] = (cr.match ?? []).length > 0 ? (cr.match ?? []) : [undefined];
    const merged: HTTPMatchRequest[] = [];
    for (const rm of roots) for (const cm of childMatches) {
      const m = mergeMatch(rm, cm);
      if (m) merged.push(m);
    }
    const expanded: HTTPRoute = { ...cr, match: merged.length > 0 ? merged : undefined };
    if (expanded.match === undefined) delete expanded.match;
    out.push(...translateHttpRoute(expanded, child.namespace, ctx, depth + 1));
  }
  return out;
}
