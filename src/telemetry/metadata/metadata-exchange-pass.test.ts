import { test } from "node:test";
import assert from "node:assert/strict";
import type { EnvoyJson } from "../../pilot/envoy.js";
import { DOWNSTREAM_TLS_TYPE, HCM_TYPE, TCP_PROXY_TYPE } from "../../pilot/envoy.js";
import type { ProxyScope } from "../../pilot/scope.js";
import { NetworkFilterRegistry } from "../../proxy/listener/filter-registry.js";
import { compileListener } from "../../proxy/listener/compile.js";
import { tcpProxyFactory } from "../../proxy/tcp/tcp-proxy.js";
import { SecretStore } from "../../proxy/tls/secret-store.js";
import { applyTcpMetadataExchange, INBOUND_TCP_ALPN } from "./metadata-exchange-pass.js";
import { MetadataExchangeFilter, telemetryNetworkFilterFactories } from "./metadata-exchange-filter.js";

const tcp = (name: string): EnvoyJson => ({ name: "envoy.filters.network.tcp_proxy", typed_config: { "@type": TCP_PROXY_TYPE, stat_prefix: name, cluster: name } });
const hcm: EnvoyJson = { name: "envoy.filters.network.http_connection_manager", typed_config: { "@type": HCM_TYPE, stat_prefix: "inbound_0.0.0.0_9080" } };
const mtls = (): EnvoyJson => ({ name: "envoy.transport_sockets.tls", typed_config: { "@type": DOWNSTREAM_TLS_TYPE, common_tls_context: {}, require_client_certificate: true } });

function listeners(): EnvoyJson[] {
  return [
    { name: "virtualInbound", traffic_direction: "INBOUND", address: { socket_address: { address: "127.0.0.1", port_value: 0 } }, filter_chains: [
      { name: "inbound|9000||-mtls", transport_socket: mtls(), filters: [tcp("inbound|9000||")] },
      { name: "inbound|9080||-mtls", transport_socket: mtls(), filters: [hcm] },
      { name: "inbound|9000||", filters: [tcp("inbound|9000||")] },
    ] },
    { name: "0.0.0.0_9000", traffic_direction: "OUTBOUND", address: { socket_address: { address: "127.0.0.1", port_value: 0 } }, filter_chains: [{ filters: [tcp("outbound|9000||tcp-echo.default.svc.cluster.local")] }] },
  ];
}

const scope = (type: string): ProxyScope => ({ proxy: { type } }) as unknown as ProxyScope;
const names = (chain: EnvoyJson | undefined): unknown[] => ((chain?.["filters"] as EnvoyJson[] | undefined) ?? []).map((f) => f["name"]);
const chains = (l: EnvoyJson | undefined): EnvoyJson[] => (l?.["filter_chains"] as EnvoyJson[] | undefined) ?? [];

test("sidecar TCP chains get istio.metadata_exchange first; inbound mTLS TCP chains offer istio-peer-exchange; HTTP chains untouched", () => {
  const ls = listeners();
  applyTcpMetadataExchange(scope("sidecar"), ls);
  applyTcpMetadataExchange(scope("sidecar"), ls); // idempotent
  const [inbound, outbound] = ls;
  const [tcpTls, httpTls, tcpPlain] = chains(inbound);
  assert.deepEqual(names(tcpTls), ["istio.metadata_exchange", "envoy.filters.network.tcp_proxy"]);
  assert.deepEqual(names(httpTls), ["envoy.filters.network.http_connection_manager"]);
  assert.deepEqual(names(tcpPlain), ["istio.metadata_exchange", "envoy.filters.network.tcp_proxy"]);
  assert.deepEqual(names(chains(outbound)[0]), ["istio.metadata_exchange", "envoy.filters.network.tcp_proxy"]);
  const alpnOf = (c: EnvoyJson | undefined): unknown => (((c?.["transport_socket"] as EnvoyJson | undefined)?.["typed_config"] as EnvoyJson | undefined)?.["common_tls_context"] as EnvoyJson | undefined)?.["alpn_protocols"];
  assert.deepEqual(alpnOf(tcpTls), INBOUND_TCP_ALPN);
  assert.equal(alpnOf(httpTls), undefined);
  const mx = (tcpTls?.["filters"] as EnvoyJson[])[0]?.["typed_config"] as EnvoyJson;
  assert.equal(mx["@type"], "type.googleapis.com/xds.type.v3.TypedStruct");
  assert.equal(mx["type_url"], "type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange");
});

test("gateways are left alone", () => {
  const ls = listeners();
  applyTcpMetadataExchange(scope("router"), ls);
  assert.deepEqual(names(chains(ls[1])[0]), ["envoy.filters.network.tcp_proxy"]);
});

test("the proxy compiles the wrapped filter into the metadata exchange filter; an unknown wrapped type is rejected with a code", () => {
  const registry = new NetworkFilterRegistry();
  registry.register(tcpProxyFactory);
  for (const f of telemetryNetworkFilterFactories) registry.register(f);
  const ctx = { registry, services: { nodeId: "n", clusters: { get: () => undefined } }, secrets: new SecretStore() };
  const ls = listeners();
  applyTcpMetadataExchange(scope("sidecar"), ls);
  const compiled = compileListener(ls[1], ctx);
  const first = compiled.chains[0]?.filters[0];
  assert.ok(first instanceof MetadataExchangeFilter);
  const bad = listeners()[1] as EnvoyJson;
  (chains(bad)[0] as EnvoyJson)["filters"] = [{ name: "x", typed_config: { "@type": "type.googleapis.com/xds.type.v3.TypedStruct", type_url: "type.googleapis.com/unknown.Filter", value: {} } }, tcp("c")];
  assert.throws(() => compileListener(bad, ctx), (e: unknown) => (e as { code?: string }).code === "MIZZEN_ERR_XDS_INVALID");
});
