// envoy.extensions.filters.network.ext_authz.v3.ExtAuthz compiled: the gRPC authorizer to ask,
// failure_mode_allow and filter_enabled_metadata read by the HTTP filter's compiler (the fields
// are shared), plus the network-only stat_prefix and include_tls_session.
import { bool, invalid, str } from "../../router/envoy-json.js";
import { compileExtAuthz, type ExtAuthzConfig } from "../../http/filters/ext-authz/ext-authz-config.js";

export const NETWORK_EXT_AUTHZ_TYPE = "type.googleapis.com/envoy.extensions.filters.network.ext_authz.v3.ExtAuthz";

export interface NetworkExtAuthzConfig {
  /** Stats go under `ext_authz.<stat_prefix>.` (Envoy's namespace for this filter). */
  readonly statPrefix: string;
  /** Send the TLS SNI in the check (include_tls_session). */
  readonly includeTlsSession: boolean;
  /** Target, timeout, failure_mode_allow and the enabling metadata match. */
  readonly authz: ExtAuthzConfig;
}

export function compileNetworkExtAuthz(cfg: Record<string, unknown>, field: string): NetworkExtAuthzConfig {
  const statPrefix = str(cfg["stat_prefix"], `${field}.stat_prefix`) ?? "";
  if (statPrefix === "") throw invalid(`${field}.stat_prefix`, "is required");
  // The network filter speaks gRPC only: http_service is not one of its fields.
  if (cfg["grpc_service"] === undefined || cfg["http_service"] !== undefined) throw invalid(`${field}.grpc_service`, "is required (the network ext_authz filter has no http_service)");
  return {
    statPrefix: statPrefix.endsWith(".") ? statPrefix.slice(0, -1) : statPrefix,
    includeTlsSession: bool(cfg["include_tls_session"], `${field}.include_tls_session`) ?? false,
    authz: compileExtAuthz(cfg, field),
  };
}
