// A MeshConfig extensionProvider (envoyExtAuthzHttp / envoyExtAuthzGrpc) → the ext_authz filter
// config Istio generates for CUSTOM policies, gated on the CUSTOM RBAC shadow verdict.
import type { ExtensionProvider } from "../../config/mesh/extension-providers.js";
import { MizzenError } from "../../errors.js";
import type { Json } from "./envoy-matchers.js";

export const EXT_AUTHZ_TYPE = "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz";
export const NETWORK_EXT_AUTHZ_TYPE = "type.googleapis.com/envoy.extensions.filters.network.ext_authz.v3.ExtAuthz";
/** The shadow-rules stat prefix Istio gives the RBAC filter that picks requests for ext_authz. */
export const EXT_AUTHZ_SHADOW_PREFIX = "istio_ext_authz_";
export const EXT_AUTHZ_POLICY_PREFIX = "istio-ext-authz";

/** "ns/host" or "host" → the host; Istio's outbound cluster name for it. */
function clusterFor(service: string, port: number): { host: string; cluster: string } {
  const host = service.includes("/") ? service.slice(service.indexOf("/") + 1) : service;
  return { host, cluster: `outbound|${port}||${host}` };
}

function patterns(names: readonly string[] | undefined): Json | undefined {
  if (names === undefined || names.length === 0) return undefined;
  return { patterns: names.map((n) => n.endsWith("*") ? { prefix: n.slice(0, -1), ignore_case: true } : { exact: n, ignore_case: true }) };
}

function statusOnError(s: string | undefined): Json {
  const n = s === undefined ? 403 : Number(s);
  return { code: Number.isInteger(n) && n >= 200 && n <= 599 ? n : 403 };
}

/** Istio's filter_enabled_metadata: the CUSTOM shadow engine of `rbacFilter` picked the request/connection. */
function shadowGate(rbacFilter: string): Json {
  return {
    filter: rbacFilter,
    path: [{ key: `${EXT_AUTHZ_SHADOW_PREFIX}shadow_effective_policy_id` }],
    value: { string_match: { prefix: EXT_AUTHZ_POLICY_PREFIX } },
  };
}

/**
 * The network ext_authz filter Istio puts on TCP chains for a gRPC provider; null for an
 * envoyExtAuthzHttp provider, which has no TCP form (Istio skips CUSTOM on TCP then).
 */
export function networkExtAuthzFilterConfig(provider: ExtensionProvider): Json | null {
  const g = provider.envoyExtAuthzGrpc;
  if (g === undefined) return null;
  return {
    "@type": NETWORK_EXT_AUTHZ_TYPE,
    stat_prefix: "tcp.",
    grpc_service: { envoy_grpc: { cluster_name: clusterFor(g.service ?? "", g.port ?? 0).cluster }, timeout: g.timeout ?? "600s" },
    failure_mode_allow: g.failOpen === true,
    transport_api_version: "V3",
    filter_enabled_metadata: shadowGate("envoy.filters.network.rbac"),
  };
}

export function extAuthzFilterConfig(provider: ExtensionProvider): Json {
  const gate = shadowGate("envoy.filters.http.rbac");
  const h = provider.envoyExtAuthzHttp;
  if (h !== undefined) {
    const { host, cluster } = clusterFor(h.service ?? "", h.port ?? 0);
    const req = patterns(h.includeRequestHeadersInCheck ?? h.includeHeadersInCheck);
    const add = h.includeAdditionalHeadersInCheck;
    const resp: Json = {};
    const up = patterns(h.headersToUpstreamOnAllow);
    const down = patterns(h.headersToDownstreamOnDeny);
    const downOk = patterns(h.headersToDownstreamOnAllow);
    if (up) resp["allowed_upstream_headers"] = up;
    if (down) resp["allowed_client_headers"] = down;
    if (downOk) resp["allowed_client_headers_on_success"] = downOk;
    return {
      "@type": EXT_AUTHZ_TYPE,
      transport_api_version: "V3",
      http_service: {
        server_uri: { uri: `http://${host}${h.port ? `:${h.port}` : ""}`, cluster, timeout: h.timeout ?? "600s" },
        ...(h.pathPrefix ? { path_prefix: h.pathPrefix } : {}),
        authorization_request: {
          ...(req ? { allowed_headers: req } : {}),
          ...(add ? { headers_to_add: Object.entries(add).map(([key, value]) => ({ key, value })) } : {}),
        },
        authorization_response: resp,
      },
      failure_mode_allow: h.failOpen === true,
      status_on_error: statusOnError(h.statusOnError),
      filter_enabled_metadata: gate,
    };
  }
  const g = provider.envoyExtAuthzGrpc;
  if (g !== undefined) {
    const { cluster } = clusterFor(g.service ?? "", g.port ?? 0);
    return {
      "@type": EXT_AUTHZ_TYPE,
      transport_api_version: "V3",
      grpc_service: { envoy_grpc: { cluster_name: cluster }, timeout: g.timeout ?? "600s" },
      failure_mode_allow: g.failOpen === true,
      status_on_error: statusOnError(g.statusOnError),
      filter_enabled_metadata: gate,
    };
  }
  throw new MizzenError("MIZZEN_ERR_AUTHZ_PROVIDER", `extension provider "${provider.name}" is not an ext_authz provider (envoyExtAuthzHttp or envoyExtAuthzGrpc)`);
}
