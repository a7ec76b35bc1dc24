// UpstreamTlsContext → the `tls` part of a Cluster (contracts.ts). The SecureContext is read
// through a getter so secret rotation reaches new upstream connections.
import type { SecureContext } from "node:tls";
import type { Cluster, EnvoyJson } from "../contracts.js";
import { optObject, optString } from "../listener/envoy-fields.js";
import { TlsContextProvider, compileCommonTls } from "./common-context.js";
import type { SecretStore } from "./secret-store.js";

export const UPSTREAM_TLS_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";

export type ClusterTls = NonNullable<Cluster["tls"]>;

/** Compiles an UpstreamTlsContext; throws MizzenError naming the field when invalid. */
export function buildUpstreamTls(json: EnvoyJson, store: SecretStore, field = "upstream_tls_context"): ClusterTls {
  const common = compileCommonTls(optObject(json, "common_tls_context", field), `${field}.common_tls_context`);
  const provider = new TlsContextProvider(common, store, field);
  const sni = optString(json, "sni", field);
  // Exact URI (or untyped) SAN matchers become the secure-naming list.
  const matchUriSans = (common.validation?.sanMatchers ?? [])
    .filter((m) => (m.type === "URI" || m.type === "ANY") && m.exact !== undefined)
    .map((m) => m.exact as string);
  return {
    get context(): SecureContext {
      return provider.current().context;
    },
    ...(sni !== undefined ? { sni } : {}),
    ...(common.alpn.length > 0 ? { alpn: common.alpn } : {}),
    matchUriSans,
  };
}
