// Inbound mTLS and policy filters, as Istio builds them: per workload port, the effective
// PeerAuthentication mode decides the filter chains — STRICT: one TLS chain requiring a client
// certificate from the mesh root (plaintext matches no chain and is closed); PERMISSIVE: mesh mTLS
// only when the TLS ClientHello offers one of Istio's ALPNs (what mesh clients send), plaintext
// otherwise, and on TCP ports a third chain passing any other TLS (an app serving its own TLS)
// through untouched; DISABLE: plaintext only. Every chain gets the authorization/authentication
// filters of the workload (HTTP before the router, network before tcp_proxy).
import { effectiveMtlsMode, inboundSecurityHttpFilters, type EffectiveMtlsMode, type SecurityWorkload } from "../security/index.js";
import { adsConfigSource, DOWNSTREAM_TLS_TYPE, TLS_INSPECTOR_TYPE, type EnvoyJson } from "../envoy.js";
import type { ProxyScope } from "../scope.js";
import type { SecurityPolicies } from "./policies.js";

const HCM = "envoy.filters.network.http_connection_manager";
const TCP_PROXY = "envoy.filters.network.tcp_proxy";
const TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";

/**
 * The ALPNs an Istio mesh client offers over mTLS (Istio's allIstioMtlsALPNs): TCP with metadata
 * exchange, then the istio.alpn filter's per-protocol values for HTTP. PERMISSIVE chains match
 * mesh mTLS on these, so any other TLS is the application's own.
 */
export const ISTIO_MTLS_ALPNS: readonly string[] = ["istio", "istio-peer-exchange", "istio-http/1.0", "istio-http/1.1", "istio-h2"];

/** Istio's inbound server context: the workload cert, client certs verified against ROOTCA. */
export function inboundMtlsTransportSocket(): EnvoyJson {
  return {
    name: "envoy.transport_sockets.tls",
    typed_config: {
      "@type": DOWNSTREAM_TLS_TYPE,
      common_tls_context: {
        tls_certificate_sds_secret_configs: [{ name: "default", sds_config: adsConfigSource() }],
        combined_validation_context: { default_validation_context: {}, validation_context_sds_secret_config: { name: "ROOTCA", sds_config: adsConfigSource() } },
      },
      require_client_certificate: true,
    },
  };
}

function inboundPortOf(chain: EnvoyJson): number | undefined {
  const m = /^inbound\|(\d+)\|\|$/.exec(String(chain["name"] ?? ""));
  return m ? Number(m[1]) : undefined;
}

/** The chain's filters with the security filters inserted (HTTP before the router, TCP before tcp_proxy). */
function withPolicyFilters(filters: readonly EnvoyJson[], http: readonly EnvoyJson[], tcp: readonly EnvoyJson[]): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  for (const f of filters) {
    if (f["name"] === HCM && http.length > 0) {
      const hcm = f["typed_config"] as EnvoyJson;
      const list = [...((hcm["http_filters"] as EnvoyJson[] | undefined) ?? [])];
      const router = list.findIndex((h) => h["name"] === "envoy.filters.http.router");
      list.splice(router < 0 ? list.length : router, 0, ...http);
      out.push({ ...f, typed_config: { ...hcm, http_filters: list } });
    } else if (f["name"] === TCP_PROXY && tcp.length > 0) {
      out.push(...tcp, f);
    } else {
      out.push(f);
    }
  }
  return out;
}

function securedChains(chain: EnvoyJson, mode: EffectiveMtlsMode): EnvoyJson[] {
  if (mode === "DISABLE") return [chain];
  const match = (chain["filter_chain_match"] as EnvoyJson | undefined) ?? {};
  const name = String(chain["name"] ?? "");
  const tls: EnvoyJson = { ...chain, name: `${name}-mtls`, filter_chain_match: { ...match, transport_protocol: "tls" }, transport_socket: inboundMtlsTransportSocket() };
  if (mode === "STRICT") return [tls];
  tls["filter_chain_match"] = { ...match, transport_protocol: "tls", application_protocols: [...ISTIO_MTLS_ALPNS] };
  const plaintext = { ...chain, filter_chain_match: { ...match, transport_protocol: "raw_buffer" } };
  // Istio: an HTTP port expects mesh mTLS or plaintext HTTP; any TLS without a mesh ALPN on a TCP
  // port is the app's own (one-way TLS from a client outside the mesh) and goes through as bytes.
  const isHttp = ((chain["filters"] as EnvoyJson[] | undefined) ?? []).some((f) => f["name"] === HCM);
  if (isHttp) return [tls, plaintext];
  const appTls = { ...chain, name: `${name}-app-tls`, filter_chain_match: { ...match, transport_protocol: "tls" } };
  return [tls, appTls, plaintext];
}

/** The workload a sidecar's inbound policies select. */
export function securityWorkload(scope: ProxyScope): SecurityWorkload {
  return { namespace: scope.proxy.namespace, labels: scope.proxy.labels };
}

/** Rewrites the INBOUND listeners of a sidecar with mTLS chains and policy filters; returns what the operator should read (policy warnings and notes). */
export function secureInboundListeners(scope: ProxyScope, listeners: EnvoyJson[], policies: SecurityPolicies): string[] {
  const w = securityWorkload(scope);
  const root = scope.push.rootNamespace;
  const filters = inboundSecurityHttpFilters(w, policies.authorizationPolicies, policies.requestAuthentications, {
    rootNamespace: root, extensionProviders: scope.push.mesh.extensionProviders ?? [],
  });
  for (const l of listeners) {
    if (l["traffic_direction"] !== "INBOUND") continue;
    let inspect = false;
    const chains: EnvoyJson[] = [];
    for (const chain of (l["filter_chains"] as EnvoyJson[] | undefined) ?? []) {
      const port = inboundPortOf(chain);
      if (port === undefined) {
        chains.push(chain); // passthrough catch-all
        continue;
      }
      const secured = withPolicyFilters((chain["filters"] as EnvoyJson[] | undefined) ?? [], filters.http, filters.tcp);
      const mode = effectiveMtlsMode(w, port, policies.peerAuthentications, root);
      if (mode !== "DISABLE") inspect = true;
      chains.push(...securedChains({ ...chain, filters: secured }, mode));
    }
    l["filter_chains"] = chains;
    const lf = (l["listener_filters"] as EnvoyJson[] | undefined) ?? [];
    if (inspect && !lf.some((f) => f["name"] === TLS_INSPECTOR)) {
      l["listener_filters"] = [...lf, { name: TLS_INSPECTOR, typed_config: { "@type": TLS_INSPECTOR_TYPE } }];
    }
  }
  return [...filters.warnings, ...filters.notes];
}
