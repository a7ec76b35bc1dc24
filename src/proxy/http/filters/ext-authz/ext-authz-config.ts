// envoy.extensions.filters.http.ext_authz.v3.ExtAuthz compiled: which service to ask (HTTP
// server_uri, or gRPC Authorization/Check), what to send, which headers to pass on, and what to
// do when the service cannot be reached (failure_mode_allow, status_on_error).
import { arr, bool, durationMs, int, invalid, obj, str } from "../../../router/envoy-json.js";
import { compileStringMatch, testStringMatch, type StringMatch } from "../../../router/string-match.js";
import { compileMetadataMatch, type MetadataMatch } from "../rbac/metadata-matcher.js";
import { envoyRoot } from "../../../../api/envoy/index.js";

export interface ExtAuthzConfig {
  readonly kind: "http" | "grpc";
  /** HTTP: "http://host:port"; gRPC: "host:port". */
  readonly target: string;
  readonly timeoutMs: number;
  readonly pathPrefix: string;
  /** Request headers sent to an HTTP authorizer besides Host, Method, Path, Content-Length, Authorization. */
  readonly allowedHeaders: readonly StringMatch[];
  readonly headersToAdd: readonly (readonly [string, string])[];
  readonly allowedUpstream: readonly StringMatch[];
  /** null: every header of a denial goes to the client (Envoy's default). */
  readonly allowedClient: readonly StringMatch[] | null;
  readonly allowedClientOnSuccess: readonly StringMatch[];
  readonly failureModeAllow: boolean;
  readonly statusOnError: number;
  readonly enabledMetadata: MetadataMatch | null;
}

function matchers(v: unknown, field: string): StringMatch[] {
  const o = obj(v, field);
  if (!o) return [];
  return arr(o["patterns"], `${field}.patterns`).map((p, i) => compileStringMatch(p, `${field}.patterns[${i}]`));
}

export function headerAllowed(list: readonly StringMatch[], name: string): boolean {
  for (const m of list) if (testStringMatch(m, name)) return true;
  return false;
}

/** Istio names clusters outbound|<port>|<subset>|<host>; without cluster access the host and port are dialled directly. */
function targetOfCluster(cluster: string, field: string): string {
  const parts = cluster.split("|");
  if (parts.length === 4 && parts[0] === "outbound") return `${parts[3] as string}:${parts[1] as string}`;
  throw invalid(field, `cluster "${cluster}" is not an outbound|<port>||<host> cluster name`);
}

/** envoy.type.v3.HttpStatus.code: a number, or the StatusCode enum name it decodes to ("Forbidden"). */
function httpStatusCode(v: unknown, field: string): number | undefined {
  if (typeof v === "string" && !/^\d+$/.test(v)) {
    const n = envoyRoot().lookupEnum("envoy.type.v3.StatusCode").values[v];
    if (n === undefined) throw invalid(field, `unknown status code "${v}"`);
    return n;
  }
  return int(v, field);
}

export function compileExtAuthz(cfg: Record<string, unknown>, field: string): ExtAuthzConfig {
  const soe = obj(cfg["status_on_error"], `${field}.status_on_error`);
  const common = {
    failureModeAllow: bool(cfg["failure_mode_allow"], `${field}.failure_mode_allow`) ?? false,
    statusOnError: (soe ? httpStatusCode(soe["code"], `${field}.status_on_error.code`) : undefined) ?? 403,
    enabledMetadata: cfg["filter_enabled_metadata"] ? compileMetadataMatch(cfg["filter_enabled_metadata"], `${field}.filter_enabled_metadata`) : null,
  };
  const http = obj(cfg["http_service"], `${field}.http_service`);
  if (http) {
    const f = `${field}.http_service`;
    const su = obj(http["server_uri"], `${f}.server_uri`) ?? {};
    const uri = str(su["uri"], `${f}.server_uri.uri`) ?? "";
    let target: string;
    try { const u = new URL(uri); target = `${u.protocol}//${u.host}`; } catch { throw invalid(`${f}.server_uri.uri`, `"${uri}" is not a URL`); }
    const req = obj(http["authorization_request"], `${f}.authorization_request`) ?? {};
    const resp = obj(http["authorization_response"], `${f}.authorization_response`) ?? {};
    return {
      kind: "http", target,
      timeoutMs: durationMs(su["timeout"], `${f}.server_uri.timeout`) ?? 200,
      pathPrefix: str(http["path_prefix"], `${f}.path_prefix`) ?? "",
      allowedHeaders: matchers(req["allowed_headers"], `${f}.authorization_request.allowed_headers`),
      headersToAdd: arr(req["headers_to_add"], `${f}.authorization_request.headers_to_add`).map((h, i) => {
        const ho = obj(h, `${f}.authorization_request.headers_to_add[${i}]`) ?? {};
        return [(str(ho["key"], "key") ?? "").toLowerCase(), str(ho["value"], "value") ?? ""] as const;
      }),
      allowedUpstream: matchers(resp["allowed_upstream_headers"], `${f}.authorization_response.allowed_upstream_headers`),
      allowedClient: resp["allowed_client_headers"] ? matchers(resp["allowed_client_headers"], `${f}.authorization_response.allowed_client_headers`) : null,
      allowedClientOnSuccess: matchers(resp["allowed_client_headers_on_success"], `${f}.authorization_response.allowed_client_headers_on_success`),
      ...common,
    };
  }
  const grpc = obj(cfg["grpc_service"], `${field}.grpc_service`);
  if (grpc) {
    const f = `${field}.grpc_service`;
    const eg = obj(grpc["envoy_grpc"], `${f}.envoy_grpc`);
    const gg = obj(grpc["google_grpc"], `${f}.google_grpc`);
    const target = eg ? targetOfCluster(str(eg["cluster_name"], `${f}.envoy_grpc.cluster_name`) ?? "", `${f}.envoy_grpc.cluster_name`)
      : str(gg?.["target_uri"], `${f}.google_grpc.target_uri`) ?? "";
    if (target === "") throw invalid(f, "needs envoy_grpc or google_grpc");
    return {
      kind: "grpc", target, timeoutMs: durationMs(grpc["timeout"], `${f}.timeout`) ?? 200, pathPrefix: "",
      allowedHeaders: [], headersToAdd: [], allowedUpstream: [], allowedClient: null, allowedClientOnSuccess: [], ...common,
    };
  }
  throw invalid(field, "needs http_service or grpc_service");
}
