// The seams between the proxy's parts: listeners hand connections to network filters (HTTP
// connection manager, TCP proxy); the router and TCP proxy reach upstreams through clusters.
// Owners may add fields; keep the hot-path members plain properties and methods (no closures per call).
import type { Socket } from "node:net";
import type { SecureContext } from "node:tls";
import type { CompiledRouteConfig } from "./router/route-config.js";
import type { HttpRequestRecord } from "./http/request-record.js";
import type { TcpConnectionRecord } from "./tcp/access-log.js";

/** Envoy's response flags, as they appear in access logs and stats. */
export type ResponseFlag =
  | "NR" | "UH" | "UO" | "UT" | "URX" | "UC" | "UF" | "UR" | "DI" | "FI" | "DC" | "LR" | "RL"
  | "UAEX" | "NC" | "DT" | "DPE" | "UPE" | "UMSDR" | "OM" | "SI" | "IH" | "RLSE";

/** What the listener learned about a downstream connection before handing it to a filter chain. */
export interface ConnectionInfo {
  readonly socket: Socket;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Address the client dialled: the original destination under iptables REDIRECT, else the local address. */
  readonly destinationAddress: string;
  readonly destinationPort: number;
  readonly listenerName: string;
  readonly filterChainName: string;
  /** Set when TLS was terminated by the listener. */
  readonly tls?: {
    readonly sni?: string;
    readonly alpn?: string;
    /** URI SANs of the verified peer certificate (SPIFFE IDs), empty when no client cert. */
    readonly peerUriSans: readonly string[];
    /** URI SANs of the proxy's own certificate on this connection (its SPIFFE ID). */
    readonly localUriSans?: readonly string[];
  };
  /**
   * Bytes already read by listener filters (TLS/HTTP inspectors) that the filter must consume first.
   * When set, the socket is handed over paused; the listener resumes it after onConnection returns
   * if the filter attached a "data" listener (pipe() resumes by itself). Check `socket.readableEnded`:
   * a client may have half-closed while the inspectors were reading.
   */
  readonly preread?: Buffer;
  /** per_connection_buffer_limit_bytes of the listener: the filter's read/write buffering bound. */
  readonly bufferLimitBytes?: number;
}

/**
 * A network filter built from a filter chain's config (HCM, tcp_proxy …), handling whole connections.
 * A chain's filters get onConnection in order; a non-terminal filter (e.g. RBAC) may destroy the
 * socket to reject the connection, and then the later filters are not called. A filter that must
 * wait first (Envoy's StopIteration: ext_authz asking its authorizer) returns a promise: the later
 * filters run once it settles, the socket left paused and unread until then.
 */
export interface NetworkFilter {
  onConnection(conn: ConnectionInfo): void | Promise<void>;
  /** Stop accepting new streams/requests on existing connections and close them when idle. */
  drain(): void;
}

export type HostHealth = "HEALTHY" | "UNHEALTHY" | "DRAINING" | "TIMEOUT" | "DEGRADED" | "UNKNOWN";

export interface Locality {
  region?: string;
  zone?: string;
  subZone?: string;
}

/** One upstream endpoint of a cluster. */
export interface UpstreamHost {
  readonly address: string;
  readonly port: number;
  /** "address:port", made once (access logs, auto host rewrite). */
  readonly addressPort: string;
  readonly weight: number;
  readonly priority: number;
  readonly locality: Locality;
  health: HostHealth;
  /** Requests in flight to this host (maintained by the router/TCP proxy; used by LEAST_REQUEST). */
  activeRequests: number;
  /** Open connections to this host (maintained by connection pools / TCP proxy; shown as cx_active). */
  activeConnections?: number;
  /** True while ejected by outlier detection. */
  ejected: boolean;
  /**
   * This host's upstream TLS chosen by the cluster's transport_socket_matches (Istio auto-mTLS):
   * null = plaintext, undefined = use the cluster's `tls`.
   */
  readonly tls?: Cluster["tls"] | null;
}

/** What a load balancer may use to choose a host. */
export interface LbContext {
  /** Hash from the route's hash policy (RING_HASH / MAGLEV), when one applied. */
  hash?: number;
  /** Hosts to avoid (retry previous-hosts predicate): a pick among them is made again. */
  avoid?: ReadonlySet<UpstreamHost>;
  /** How many more picks `avoid` may cause (host_selection_retry_max_attempts; Envoy's default 1). */
  hostSelectionRetries?: number;
  /** The connection's original destination (ConnectionInfo.destination*), for ORIGINAL_DST clusters. */
  originalDestination?: { readonly address: string; readonly port: number };
}

export type CircuitBreakerResource = "connections" | "pending" | "requests" | "retries";

/** How an upstream attempt ended, for outlier detection. */
export type UpstreamOutcome =
  | { kind: "response"; status: number }
  | { kind: "connect-failure" }
  | { kind: "reset" }
  | { kind: "timeout" };

/** A cluster as the router and TCP proxy see it. */
export interface Cluster {
  readonly name: string;
  /** Picks a healthy, non-ejected host, or null (then `describeNoHealthyUpstream()` says why). */
  pickHost(ctx: LbContext | undefined): UpstreamHost | null;
  /** Reserves one unit of a circuit-breaker resource; false means overflow (503, flag UO). */
  tryAcquire(resource: CircuitBreakerResource): boolean;
  release(resource: CircuitBreakerResource): void;
  /** Feeds outlier detection. */
  report(host: UpstreamHost, outcome: UpstreamOutcome): void;
  /** e.g. "cluster outbound|9080|v1|reviews.default.svc.cluster.local (3 endpoints, 3 ejected by outlier detection)". */
  describeNoHealthyUpstream(): string;
  readonly connectTimeoutMs: number;
  /** 0 = unlimited. */
  readonly maxRequestsPerConnection: number;
  /** common_http_protocol_options.idle_timeout: an upstream connection with no request for this long closes (0: never). */
  readonly idleTimeoutMs: number;
  /** Speak HTTP/2 to the upstream (http2_protocol_options / explicit h2). */
  readonly http2: boolean;
  /** per_connection_buffer_limit_bytes: the upstream connections' write watermark; absent = Node's default. */
  readonly bufferLimitBytes?: number;
  /** Upstream TLS (UpstreamTlsContext), when configured. */
  readonly tls?: {
    readonly context: SecureContext;
    readonly sni?: string;
    readonly alpn?: readonly string[];
    /** Accept only peers whose URI SAN is one of these (secure naming); empty = any verified peer. */
    readonly matchUriSans: readonly string[];
    /** False when no trusted CA is configured: Envoy then accepts any server certificate. Absent = verify. */
    readonly verify?: boolean;
  };
}

export interface ClusterRegistry {
  get(name: string): Cluster | undefined;
}

/** Envoy configuration in its JSON form (snake_case fields, Duration as "1.5s", Any as { "@type": url, … }). */
export type EnvoyJson = Record<string, unknown>;

/** Shared services a network filter may use; the proxy server owns and fills them. */
export interface ProxyServices {
  readonly nodeId: string;
  readonly clusters: ClusterRegistry;
  /** Counters/gauges shown by the admin API (/stats, /stats/prometheus); absent in some unit tests. */
  readonly stats?: ProxyStats;
  /** Named route configurations for HCMs using `rds` (part A's RouteConfigStore implements it). */
  readonly routeConfigs?: { get(name: string): CompiledRouteConfig | undefined };
  /** Called once per completed HTTP request with its record (access log, stats); keep it cheap. */
  readonly onHttpRequest?: (record: HttpRequestRecord) => void;
  /**
   * Called per TCP proxy connection (Istio's TCP metrics) when it is established (record.open true)
   * and again when it closes; a connection that never got established is seen once, closed.
   * peerPrincipal is the mTLS peer's SPIFFE id.
   */
  readonly onTcpConnection?: (record: TcpConnectionRecord, peerPrincipal?: string) => void;
}

/** Envoy-style stats ("listener.0.0.0.0_15001.downstream_cx_total", "cluster.x.upstream_cx_total"). */
export interface ProxyStats {
  /** Adds to a counter (created at 0 on first use). */
  inc(name: string, by?: number): void;
  /** Sets a gauge. */
  set(name: string, value: number): void;
  /** Adds to a gauge (negative to decrement). */
  add(name: string, delta: number): void;
}

/**
 * Builds a network filter from its typed_config. Registered by type URL (e.g.
 * "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager").
 * Throws MizzenError (code MIZZEN_ERR_XDS_INVALID) naming the bad field for an invalid config.
 */
export interface NetworkFilterFactory {
  readonly typeUrl: string;
  create(typedConfig: EnvoyJson, services: ProxyServices): NetworkFilter;
}
