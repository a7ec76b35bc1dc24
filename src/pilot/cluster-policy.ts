// A merged DestinationRule policy applied to an Envoy cluster: load balancer, circuit breakers,
// HTTP protocol options, outlier detection and upstream TLS.
import { isHttp2Protocol, isHttpProtocol, type Protocol } from "../registry/index.js";
import { envoyDuration, HTTP_PROTOCOL_OPTIONS_TYPE, adsConfigSource, UPSTREAM_TLS_TYPE, type EnvoyJson } from "./envoy.js";
import type { LocalitySetting } from "./locality-lb.js";
import type { PolicyFields } from "./traffic-policy.js";

/** Istio leaves circuit breakers effectively unlimited unless a DestinationRule says otherwise. */
const UNLIMITED = 4294967295;

function applyLoadBalancer(c: EnvoyJson, lb: PolicyFields["loadBalancer"], meshLocality: LocalitySetting | undefined): void {
  c["lb_policy"] = "LEAST_REQUEST"; // Istio's default since 1.14
  const loc = lb?.localityLbSetting ?? meshLocality;
  if (loc && loc.enabled !== false && (loc.distribute ?? []).length > 0) {
    c["common_lb_config"] = { locality_weighted_lb_config: {} };
  }
  if (!lb) return;
  switch (lb.simple) {
    case "ROUND_ROBIN":
      c["lb_policy"] = "ROUND_ROBIN";
      break;
    case "RANDOM":
      c["lb_policy"] = "RANDOM";
      break;
    case "PASSTHROUGH":
      c["type"] = "ORIGINAL_DST";
      c["lb_policy"] = "CLUSTER_PROVIDED";
      delete c["eds_cluster_config"];
      break;
    default:
      break;
  }
  const ch = lb.consistentHash;
  if (ch) {
    if (ch.maglev) {
      c["lb_policy"] = "MAGLEV";
      if (ch.maglev.tableSize) c["maglev_lb_config"] = { table_size: ch.maglev.tableSize };
    } else {
      c["lb_policy"] = "RING_HASH";
      c["ring_hash_lb_config"] = { minimum_ring_size: ch.ringHash?.minimumRingSize ?? ch.minimumRingSize ?? 1024 };
    }
  }
}

function applyConnectionPool(c: EnvoyJson, cp: PolicyFields["connectionPool"], protocol: Protocol): void {
  const thresholds = {
    max_connections: cp?.tcp?.maxConnections ?? UNLIMITED,
    max_pending_requests: cp?.http?.http1MaxPendingRequests ?? UNLIMITED,
    max_requests: cp?.http?.http2MaxRequests ?? UNLIMITED,
    max_retries: cp?.http?.maxRetries ?? UNLIMITED,
    track_remaining: true,
  };
  c["circuit_breakers"] = { thresholds: [thresholds] };
  const ct = envoyDuration(cp?.tcp?.connectTimeout);
  if (ct) c["connect_timeout"] = ct;
  if (!isHttpProtocol(protocol) && protocol !== "UnsupportedProtocol") return;
  const common: EnvoyJson = {};
  if (cp?.http?.maxRequestsPerConnection) common["max_requests_per_connection"] = cp.http.maxRequestsPerConnection;
  const idle = envoyDuration(cp?.http?.idleTimeout);
  if (idle) common["idle_timeout"] = idle;
  const h2 = cp?.http?.h2UpgradePolicy === "UPGRADE" || isHttp2Protocol(protocol);
  const upstream: EnvoyJson = protocol === "UnsupportedProtocol" && !h2
    ? { use_downstream_protocol_config: {} }
    : { explicit_http_config: h2 ? { http2_protocol_options: {} } : { http_protocol_options: {} } };
  c["typed_extension_protocol_options"] = {
    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": { "@type": HTTP_PROTOCOL_OPTIONS_TYPE, common_http_protocol_options: common, ...upstream },
  };
}

function applyOutlierDetection(c: EnvoyJson, od: PolicyFields["outlierDetection"]): void {
  if (!od) return;
  const out: EnvoyJson = { enforcing_success_rate: 0 };
  const c5xx = od.consecutive5xxErrors ?? (od.consecutiveErrors !== undefined ? od.consecutiveErrors : undefined);
  if (c5xx !== undefined && c5xx > 0) {
    out["consecutive_5xx"] = c5xx;
    out["enforcing_consecutive_5xx"] = 100;
  } else {
    out["enforcing_consecutive_5xx"] = 0;
  }
  if (od.consecutiveGatewayErrors !== undefined && od.consecutiveGatewayErrors > 0) {
    out["consecutive_gateway_failure"] = od.consecutiveGatewayErrors;
    out["enforcing_consecutive_gateway_failure"] = 100;
  }
  const interval = envoyDuration(od.interval);
  if (interval) out["interval"] = interval;
  const base = envoyDuration(od.baseEjectionTime);
  if (base) out["base_ejection_time"] = base;
  if (od.maxEjectionPercent !== undefined) out["max_ejection_percent"] = od.maxEjectionPercent;
  if (od.minHealthPercent !== undefined) c["common_lb_config"] = { ...(c["common_lb_config"] as EnvoyJson | undefined), healthy_panic_threshold: { value: od.minHealthPercent } };
  c["outlier_detection"] = out;
}

function sdsSecret(name: string): EnvoyJson {
  return { name, sds_config: adsConfigSource() };
}

/** Upstream TLS per the DestinationRule's tls mode; ISTIO_MUTUAL uses the SDS secrets "default" and "ROOTCA". */
export function upstreamTls(tls: PolicyFields["tls"], sniDefault: string): EnvoyJson | undefined {
  if (!tls || tls.mode === undefined || tls.mode === "DISABLE") return undefined;
  const common: EnvoyJson = {};
  let sni = tls.sni;
  if (tls.mode === "ISTIO_MUTUAL") {
    common["tls_certificate_sds_secret_configs"] = [sdsSecret("default")];
    const sans = (tls.subjectAltNames ?? []).map((s) => ({ san_type: "URI", matcher: { exact: s } }));
    common["combined_validation_context"] = {
      default_validation_context: sans.length > 0 ? { match_typed_subject_alt_names: sans } : {},
      validation_context_sds_secret_config: sdsSecret("ROOTCA"),
    };
    common["alpn_protocols"] = ["istio-peer-exchange", "istio"];
    sni ??= sniDefault;
  } else {
    if (tls.credentialName) {
      common["tls_certificate_sds_secret_configs"] = tls.mode === "MUTUAL" ? [sdsSecret(`kubernetes://${tls.credentialName}`)] : [];
      common["validation_context_sds_secret_config"] = sdsSecret(`kubernetes://${tls.credentialName}-cacert`);
    } else {
      if (tls.mode === "MUTUAL" && tls.clientCertificate && tls.privateKey) {
        common["tls_certificates"] = [{ certificate_chain: { filename: tls.clientCertificate }, private_key: { filename: tls.privateKey } }];
      }
      const sans = (tls.subjectAltNames ?? []).map((s) => ({ san_type: "DNS", matcher: { exact: s } }));
      const vc: EnvoyJson = {};
      if (tls.caCertificates) vc["trusted_ca"] = { filename: tls.caCertificates };
      if (sans.length > 0) vc["match_typed_subject_alt_names"] = sans;
      if (tls.insecureSkipVerify) vc["trust_chain_verification"] = "ACCEPT_UNTRUSTED";
      if (Object.keys(vc).length > 0) common["validation_context"] = vc;
    }
  }
  const ctx: EnvoyJson = { "@type": UPSTREAM_TLS_TYPE, common_tls_context: common };
  if (sni) ctx["sni"] = sni;
  return { name: "envoy.transport_sockets.tls", typed_config: ctx };
}

export function applyPolicy(c: EnvoyJson, policy: PolicyFields, protocol: Protocol, sniDefault: string, meshLocality?: LocalitySetting): void {
  applyLoadBalancer(c, policy.loadBalancer, meshLocality);
  applyConnectionPool(c, policy.connectionPool, protocol);
  applyOutlierDetection(c, policy.outlierDetection);
  const ts = upstreamTls(policy.tls, sniDefault);
  if (ts) c["transport_socket"] = ts;
}
