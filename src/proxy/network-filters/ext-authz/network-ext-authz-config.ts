// envoy.extensions.filters.network.ext_authz.v3.ExtAuthz compiled: the gRPC authorizer to ask
// (envoy_grpc cluster, dialled by its outbound|<port>||<host> name as the HTTP filter does, or
// google_grpc target_uri), its timeout, failure_mode_allow, filter_enabled_metadata and the
// stat prefix. Light on purpose: the proxy registers this filter always, gRPC loads on first check.
import { bool, durationMs, invalid, obj, str } from "../../router/envoy-json.js";
import { compileMetadataMatch, type MetadataMatch } from "../../http/filters/rbac/metadata-matcher.js";

export const NETWORK_EXT_AUTHZ_TYPE = "type.googleapis.com/envoy.extensions.filters.network.ext_authz.v3.ExtAuthz";

export interface NetworkExtAuthzConfig {
  /** Stats go under `ext_authz.<stat_prefix>.` (Envoy's namespace for this filter). */
  readonly statPrefix: string;
  /** "host:port" of the Authorization service. */
  readonly target: string;
  readonly timeoutMs: number;
  readonly failureModeAllow: boolean;
  /** Send the TLS SNI in the check (include_tls_session). */
  readonly includeTlsSession: boolean;
  /** null: every connection is checked. */
  readonly enabledMetadata: MetadataMatch | null;
}

/** Istio names clusters outbound|<port>|<subset>|<host>; the proxy dials that host and port. */
function targetOfCluster(cluster: string, field: string): string {
  const parts = cluster.split("|");
  if (parts.length === 4 && parts[0] === "outbound" && parts[3] !== "") return `${parts[3] as string}:${parts[1] as string}`;
  throw invalid(field, `cluster "${cluster}" is not an outbound|<port>||<host> cluster name`);
}

export function compileNetworkExtAuthz(cfg: Record<string, unknown>, field: string): NetworkExtAuthzConfig {
  const statPrefix = str(cfg["stat_prefix"], `${field}.stat_prefix`) ?? "";
  if (statPrefix === "") throw invalid(`${field}.stat_prefix`, "is required");
  const f = `${field}.grpc_service`;
  const grpc = obj(cfg["grpc_service"], f);
  if (!grpc) throw invalid(f, "is required (the network ext_authz filter speaks gRPC only)");
  const eg = obj(grpc["envoy_grpc"], `${f}.envoy_grpc`);
  const gg = obj(grpc["google_grpc"], `${f}.google_grpc`);
  const target = eg ? targetOfCluster(str(eg["cluster_name"], `${f}.envoy_grpc.cluster_name`) ?? "", `${f}.envoy_grpc.cluster_name`)
    : str(gg?.["target_uri"], `${f}.google_grpc.target_uri`) ?? "";
  if (target === "") throw invalid(f, "needs envoy_grpc or google_grpc");
  const gate = cfg["filter_enabled_metadata"];
  return {
    statPrefix: statPrefix.endsWith(".") ? statPrefix.slice(0, -1) : statPrefix,
    target,
    timeoutMs: durationMs(grpc["timeout"], `${f}.timeout`) ?? 200,
    failureModeAllow: bool(cfg["failure_mode_allow"], `${field}.failure_mode_allow`) ?? false,
    includeTlsSession: bool(cfg["include_tls_session"], `${field}.include_tls_session`) ?? false,
    enabledMetadata: gate === undefined || gate === null ? null : compileMetadataMatch(gate, `${field}.filter_enabled_metadata`),
  };
}
