// envoy.config.cluster.v3.Cluster compiled once into ClusterConfig; throws MizzenError
// MIZZEN_ERR_XDS_INVALID naming the field.
import { isIP } from "node:net";
import type { EnvoyJson } from "../contracts.js";
import { compileCircuitBreakers, type CircuitBreakerLimits } from "./circuit-breakers.js";
import { invalid, readEnum, readNumber, readObject, readString, readUint, readDurationMs } from "./envoy-json.js";
import { DEFAULT_LB_CONFIG, type LbConfig, type LbPolicy } from "./lb/index.js";
import { compileLoadAssignment, type LoadAssignment } from "./load-assignment.js";
import { compileOutlierDetection, type OutlierConfig } from "./outlier/config.js";
import {
  compileTransportSocket, compileTransportSocketMatches, inlineUpstreamTls, type ClusterTls, type TransportSocketMatch, type UpstreamTlsBuilder,
} from "./upstream-tls.js";

export type DiscoveryType = "STATIC" | "STRICT_DNS" | "LOGICAL_DNS" | "EDS" | "ORIGINAL_DST";
const DISCOVERY: readonly DiscoveryType[] = ["STATIC", "STRICT_DNS", "LOGICAL_DNS", "EDS", "ORIGINAL_DST"];
const LB_POLICY = ["ROUND_ROBIN", "LEAST_REQUEST", "RING_HASH", "RANDOM", "ORIGINAL_DST_LB", "MAGLEV",
  "CLUSTER_PROVIDED", "LOAD_BALANCING_POLICY_CONFIG"] as const;
const DNS_FAMILY = ["AUTO", "V4_ONLY", "V6_ONLY", "V4_PREFERRED", "ALL"] as const;
export type DnsLookupFamily = (typeof DNS_FAMILY)[number];

export const HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

export interface ClusterConfig {
  readonly name: string;
  readonly type: DiscoveryType;
  /** CLUSTER_PROVIDED for ORIGINAL_DST. */
  readonly lbPolicy: LbPolicy | "CLUSTER_PROVIDED";
  readonly lb: LbConfig;
  readonly connectTimeoutMs: number;
  readonly perConnectionBufferLimitBytes: number;
  readonly limits: CircuitBreakerLimits;
  readonly outlier?: OutlierConfig;
  /** healthy_panic_threshold in percent; 0 disables panic. */
  readonly panicThreshold: number;
  readonly localityWeighted: boolean;
  readonly loadAssignment?: LoadAssignment;
  readonly edsServiceName?: string;
  readonly dnsRefreshRateMs: number;
  readonly dnsLookupFamily: DnsLookupFamily;
  readonly cleanupIntervalMs: number;
  readonly http2: boolean;
  /** How the upstream protocol is chosen: explicit, same as downstream, or ALPN (auto). */
  readonly protocolSelection: "explicit" | "downstream" | "auto";
  readonly maxRequestsPerConnection: number;
  /** common_http_protocol_options.idle_timeout; Envoy's default is one hour, 0 disables it. */
  readonly idleTimeoutMs: number;
  readonly tls?: ClusterTls;
  /** Per-endpoint transport sockets chosen by endpoint metadata. */
  readonly transportSocketMatches: readonly TransportSocketMatch[];
}

/** Envoy's default for an upstream connection's idle_timeout. */
export const DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS = 3_600_000;

function compileHttpOptions(cluster: EnvoyJson, path: string): Pick<ClusterConfig, "http2" | "protocolSelection" | "maxRequestsPerConnection" | "idleTimeoutMs"> {
  let http2 = readObject(cluster, "http2_protocol_options", path) !== undefined;
  let protocolSelection: ClusterConfig["protocolSelection"] = "explicit";
  let maxRequestsPerConnection = readUint(cluster, "max_requests_per_connection", path) ?? 0;
  let idleTimeoutMs: number | undefined;
  const tepo = readObject(cluster, "typed_extension_protocol_options", path);
  const opts = tepo ? readObject(tepo, HTTP_PROTOCOL_OPTIONS, `${path}.typed_extension_protocol_options`) : undefined;
  if (opts) {
    const at = `${path}.typed_extension_protocol_options["${HTTP_PROTOCOL_OPTIONS}"]`;
    const explicit = readObject(opts, "explicit_http_config", at);
    if (explicit) http2 = readObject(explicit, "http2_protocol_options", `${at}.explicit_http_config`) !== undefined;
    if (readObject(opts, "use_downstream_protocol_config", at)) protocolSelection = "downstream";
    const auto = readObject(opts, "auto_config", at);
    if (auto) {
      protocolSelection = "auto";
      http2 = readObject(auto, "http2_protocol_options", `${at}.auto_config`) !== undefined;
    }
    const common = readObject(opts, "common_http_protocol_options", at);
    if (common) {
      const cat = `${at}.common_http_protocol_options`;
      maxRequestsPerConnection = readUint(common, "max_requests_per_connection", cat) ?? maxRequestsPerConnection;
      idleTimeoutMs = readDurationMs(common, "idle_timeout", cat);
    }
  }
  return { http2, protocolSelection, maxRequestsPerConnection, idleTimeoutMs: idleTimeoutMs ?? DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS };
}

function compileLbConfig(cluster: EnvoyJson, path: string): LbConfig {
  let lb: LbConfig = DEFAULT_LB_CONFIG;
  const lr = readObject(cluster, "least_request_lb_config", path);
  if (lr) {
    const at = `${path}.least_request_lb_config`;
    const choiceCount = readUint(lr, "choice_count", at) ?? 2;
    if (choiceCount < 2) throw invalid(`${at}.choice_count`, "must be at least 2");
    const biasObj = readObject(lr, "active_request_bias", at);
    const bias = biasObj ? readNumber(biasObj, "default_value", `${at}.active_request_bias`) ?? 1 : 1;
    if (bias < 0) throw invalid(`${at}.active_request_bias.default_value`, "must not be negative");
    lb = { ...lb, choiceCount, activeRequestBias: bias };
  }
  const rh = readObject(cluster, "ring_hash_lb_config", path);
  if (rh) {
    const at = `${path}.ring_hash_lb_config`;
    const minRingSize = readUint(rh, "minimum_ring_size", at) ?? 1024;
    const maxRingSize = readUint(rh, "maximum_ring_size", at) ?? 8 * 1024 * 1024;
    if (minRingSize < 1) throw invalid(`${at}.minimum_ring_size`, "must be at least 1");
    if (maxRingSize > 8 * 1024 * 1024) throw invalid(`${at}.maximum_ring_size`, "must be at most 8M");
    if (minRingSize > maxRingSize) throw invalid(`${at}.minimum_ring_size`, "must not exceed maximum_ring_size");
    lb = { ...lb, minRingSize, maxRingSize };
  }
  return lb;
}

export function compileCluster(cluster: EnvoyJson, tlsBuilder: UpstreamTlsBuilder = inlineUpstreamTls): ClusterConfig {
  const name = readString(cluster, "name", "cluster");
  if (!name) throw invalid("cluster.name", "is required");
  const path = `cluster ${name}`;
  if (readObject(cluster, "cluster_type", path)) throw invalid(`${path}.cluster_type`, "custom cluster types are not supported");
  const type = readEnum(cluster, "type", path, DISCOVERY) ?? "STATIC";
  let policy = readEnum(cluster, "lb_policy", path, LB_POLICY) ?? "ROUND_ROBIN";
  if (policy === "LOAD_BALANCING_POLICY_CONFIG" || policy === "ORIGINAL_DST_LB") {
    throw invalid(`${path}.lb_policy`, `${policy} is not supported`);
  }
  if (type === "ORIGINAL_DST") {
    if (policy !== "CLUSTER_PROVIDED" && policy !== "ROUND_ROBIN") {
      throw invalid(`${path}.lb_policy`, "ORIGINAL_DST clusters need CLUSTER_PROVIDED");
    }
    policy = "CLUSTER_PROVIDED";
  } else if (policy === "CLUSTER_PROVIDED") {
    throw invalid(`${path}.lb_policy`, "CLUSTER_PROVIDED is only valid for ORIGINAL_DST clusters");
  }
  const la = readObject(cluster, "load_assignment", path);
  const loadAssignment = la ? compileLoadAssignment(la, `${path}.load_assignment`, name) : undefined;
  if ((type === "STATIC" || type === "STRICT_DNS" || type === "LOGICAL_DNS") && !loadAssignment) {
    throw invalid(`${path}.load_assignment`, `is required for ${type} clusters`);
  }
  if (type === "STATIC" && loadAssignment) {
    loadAssignment.hosts.forEach((h, i) => {
      if (isIP(h.address) === 0) throw invalid(`${path}.load_assignment host ${i}`, `"${h.address}" is not an IP address (STATIC clusters take IPs)`);
    });
  }
  if (type === "LOGICAL_DNS" && loadAssignment && loadAssignment.hosts.length !== 1) {
    throw invalid(`${path}.load_assignment`, "LOGICAL_DNS clusters take exactly one endpoint");
  }
  if (type === "ORIGINAL_DST" && loadAssignment && loadAssignment.hosts.length > 0) {
    throw invalid(`${path}.load_assignment`, "ORIGINAL_DST clusters take no endpoints");
  }
  let edsServiceName: string | undefined;
  if (type === "EDS") {
    const eds = readObject(cluster, "eds_cluster_config", path);
    if (!eds) throw invalid(`${path}.eds_cluster_config`, "is required for EDS clusters");
    edsServiceName = readString(eds, "service_name", `${path}.eds_cluster_config`) || undefined;
  }
  const cb = readObject(cluster, "circuit_breakers", path);
  const od = readObject(cluster, "outlier_detection", path);
  const common = readObject(cluster, "common_lb_config", path);
  let panicThreshold = 50;
  let localityWeighted = false;
  if (common) {
    const at = `${path}.common_lb_config`;
    const pt = readObject(common, "healthy_panic_threshold", at);
    if (pt) {
      panicThreshold = readNumber(pt, "value", `${at}.healthy_panic_threshold`) ?? 50;
      if (panicThreshold < 0 || panicThreshold > 100) throw invalid(`${at}.healthy_panic_threshold.value`, "must be 0..100");
    }
    localityWeighted = readObject(common, "locality_weighted_lb_config", at) !== undefined;
  }
  const dnsRefreshRateMs = readDurationMs(cluster, "dns_refresh_rate", path) ?? 5000;
  if (dnsRefreshRateMs < 1) throw invalid(`${path}.dns_refresh_rate`, "must be at least 1ms");
  const odc = readObject(cluster, "original_dst_lb_config", path);
  void odc; // use_http_header / metadata keys are not supported; the connection's destination is used
  const connectTimeoutMs = readDurationMs(cluster, "connect_timeout", path) ?? 5000;
  if (connectTimeoutMs <= 0) throw invalid(`${path}.connect_timeout`, "must be greater than 0");
  const tls = compileTransportSocket(cluster, path, tlsBuilder);
  return {
    name,
    type,
    lbPolicy: policy,
    lb: compileLbConfig(cluster, path),
    connectTimeoutMs,
    perConnectionBufferLimitBytes: readUint(cluster, "per_connection_buffer_limit_bytes", path) ?? 1024 * 1024,
    limits: compileCircuitBreakers(cb, `${path}.circuit_breakers`),
    ...(od ? { outlier: compileOutlierDetection(od, `${path}.outlier_detection`) } : {}),
    panicThreshold,
    localityWeighted,
    ...(loadAssignment ? { loadAssignment } : {}),
    ...(edsServiceName ? { edsServiceName } : {}),
    dnsRefreshRateMs,
    dnsLookupFamily: readEnum(cluster, "dns_lookup_family", path, DNS_FAMILY) ?? "AUTO",
    cleanupIntervalMs: readDurationMs(cluster, "cleanup_interval", path) ?? 5000,
    ...compileHttpOptions(cluster, path),
    ...(tls ? { tls } : {}),
    transportSocketMatches: compileTransportSocketMatches(cluster, path, tlsBuilder),
  };
}
