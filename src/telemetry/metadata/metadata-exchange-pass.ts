// Control-plane side of the TCP metadata exchange, as Istio configures it for sidecars: every
// TCP filter chain (tcp_proxy, no HTTP connection manager) runs istio.metadata_exchange first,
// and inbound mTLS TCP chains offer ALPN istio-peer-exchange (Istio's h2/http1.1 list with it in
// front), which the client sidecar's ISTIO_MUTUAL clusters already offer. Envoy's protos lack the
// filter's config type, so it travels in an xds TypedStruct. Run after the mTLS pass.
import { DOWNSTREAM_TLS_TYPE, TCP_PROXY_TYPE, HCM_TYPE, type EnvoyJson } from "../../pilot/envoy.js";
import type { ProxyScope } from "../../pilot/scope.js";
import { toTypedStruct } from "../wiring/typed-struct-filter.js";
import { METADATA_EXCHANGE_NAME, METADATA_EXCHANGE_TYPE } from "./metadata-exchange-filter.js";

/**
 * Istio's ALPN for inbound TCP chains with metadata exchange, plus "istio" (what mesh clients
 * offer besides istio-peer-exchange): Node's TLS server ends a handshake whose ALPN lists share
 * nothing, where Envoy would carry on without ALPN.
 */
export const INBOUND_TCP_ALPN: readonly string[] = ["istio-peer-exchange", "h2", "http/1.1", "istio"];

export function metadataExchangeNetworkFilter(): EnvoyJson {
  return { name: METADATA_EXCHANGE_NAME, typed_config: toTypedStruct({ "@type": METADATA_EXCHANGE_TYPE, protocol: "istio-peer-exchange" }) };
}

function typeOf(f: EnvoyJson): unknown {
  return (f["typed_config"] as EnvoyJson | undefined)?.["@type"];
}

/** Rewrites the TCP chains of a sidecar's listeners in place; gateways are left alone. */
export function applyTcpMetadataExchange(scope: ProxyScope, listeners: EnvoyJson[]): void {
  if (scope.proxy.type === "router") return;
  for (const l of listeners) {
    for (const chain of (l["filter_chains"] as EnvoyJson[] | undefined) ?? []) {
      const filters = (chain["filters"] as EnvoyJson[] | undefined) ?? [];
      if (!filters.some((f) => typeOf(f) === TCP_PROXY_TYPE) || filters.some((f) => typeOf(f) === HCM_TYPE)) continue;
      if (!filters.some((f) => f["name"] === METADATA_EXCHANGE_NAME)) chain["filters"] = [metadataExchangeNetworkFilter(), ...filters];
      const tc = (chain["transport_socket"] as EnvoyJson | undefined)?.["typed_config"] as EnvoyJson | undefined;
      if (l["traffic_direction"] !== "INBOUND" || tc?.["@type"] !== DOWNSTREAM_TLS_TYPE) continue;
      const common = (tc["common_tls_context"] as EnvoyJson | undefined) ?? {};
      if (common["alpn_protocols"] !== undefined) continue;
      // A fresh transport socket per chain: generators may share one object between chains.
      chain["transport_socket"] = { ...(chain["transport_socket"] as EnvoyJson), typed_config: { ...tc, common_tls_context: { ...common, alpn_protocols: [...INBOUND_TCP_ALPN] } } };
    }
  }
}
