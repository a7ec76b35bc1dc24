// VirtualService HTTPMatchRequest → Envoy RouteMatch, and whether a match applies to a proxy.
import type { HTTPMatchRequest } from "../config/kinds/networking/index.js";
import type { EnvoyJson } from "./envoy.js";

type StringMatch = { exact?: string | undefined; prefix?: string | undefined; regex?: string | undefined };

function stringMatcher(m: StringMatch): EnvoyJson | undefined {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  if (m.regex !== undefined) return { safe_regex: { regex: m.regex } };
  return undefined;
}

function headerMatcher(name: string, m: StringMatch, invert: boolean): EnvoyJson {
  const sm = stringMatcher(m);
  const out: EnvoyJson = sm === undefined ? { name, present_match: true } : { name, string_match: sm };
  if (invert) out["invert_match"] = true;
  return out;
}

/** Where a route is being generated: which gateway ("mesh" for sidecars), port and source proxy. */
export interface MatchContext {
  readonly gateway: string;
  readonly port: number;
  readonly sourceLabels: Readonly<Record<string, string>>;
  readonly sourceNamespace: string;
}

/** Istio drops a match whose port, gateways, sourceLabels or sourceNamespace exclude this context. */
export function matchApplies(m: HTTPMatchRequest, ctx: MatchContext, vsNamespace: string): boolean {
  if (m.port !== undefined && m.port !== 0 && m.port !== ctx.port) return false;
  if (m.gateways !== undefined && m.gateways.length > 0) {
    const gws = m.gateways.map((g) => (g === "mesh" || g.includes("/") ? g : `${vsNamespace}/${g}`));
    if (!gws.includes(ctx.gateway)) return false;
  }
  if (m.sourceLabels !== undefined) {
    for (const [k, v] of Object.entries(m.sourceLabels)) if (ctx.sourceLabels[k] !== v) return false;
  }
  if (m.sourceNamespace !== undefined && m.sourceNamespace !== ctx.sourceNamespace) return false;
  return true;
}

/** The Envoy RouteMatch of one HTTPMatchRequest (undefined: the catch-all prefix "/"). */
export function envoyRouteMatch(m: HTTPMatchRequest | undefined): EnvoyJson {
  const out: EnvoyJson = {};
  const uri = m?.uri;
  if (uri?.exact !== undefined) out["path"] = uri.exact;
  else if (uri?.prefix !== undefined) out["prefix"] = uri.prefix;
  else if (uri?.regex !== undefined) out["safe_regex"] = { regex: uri.regex };
  else out["prefix"] = "/";
  if (!m) return out;
  if (m.ignoreUriCase) out["case_sensitive"] = false;
  const headers: EnvoyJson[] = [];
  for (const [name, sm] of Object.entries(m.headers ?? {})) headers.push(headerMatcher(name.toLowerCase(), sm, false));
  for (const [name, sm] of Object.entries(m.withoutHeaders ?? {})) headers.push(headerMatcher(name.toLowerCase(), sm, true));
  if (m.method) headers.push(headerMatcher(":method", m.method, false));
  if (m.authority) headers.push(headerMatcher(":authority", m.authority, false));
  if (m.scheme) headers.push(headerMatcher(":scheme", m.scheme, false));
  if (headers.length > 0) out["headers"] = headers;
  const query = Object.entries(m.queryParams ?? {}).map(([name, sm]) => {
    const s = stringMatcher(sm);
    return s === undefined ? { name, present_match: true } : { name, string_match: s };
  });
  if (query.length > 0) out["query_parameters"] = query;
  return out;
}

/** Delegate merge: the delegate's match narrows the root's (its fields win, headers and params merge). */
export function mergeMatch(root: HTTPMatchRequest | undefined, child: HTTPMatchRequest | undefined): HTTPMatchRequest | undefined {
  if (!root) return child;
  if (!child) return root;
  const out: HTTPMatchRequest = { ...root, ...child };
  if (root.headers || child.headers) out.headers = { ...(root.headers ?? {}), ...(child.headers ?? {}) };
  if (root.queryParams || child.queryParams) out.queryParams = { ...(root.queryParams ?? {}), ...(child.queryParams ?? {}) };
  if (root.withoutHeaders || child.withoutHeaders) out.withoutHeaders = { ...(root.withoutHeaders ?? {}), ...(child.withoutHeaders ?? {}) };
  return out;
}
