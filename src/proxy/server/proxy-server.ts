// The proxy process: secrets, clusters, route configs and listeners from the bootstrap (static) and
// from ADS (dynamic), the admin API, and the lifecycle (LIVE → DRAINING → exit).
import type * as grpc from "@grpc/grpc-js";
import { MizzenError, errorMessage } from "../../errors.js";
import type { EnvoyJson, ProxyServices } from "../contracts.js";
import { AdminServer } from "../admin/admin-server.js";
import { ConfigDumpStore } from "../admin/config-dump.js";
import { StatsStore } from "../admin/stats.js";
import { compileStatsMatcher, type StatsFilter } from "../admin/stats-matcher.js";
import { httpConnectionManagerFactory, closeSharedUpstreamPool } from "../http/http-connection-manager.js";
import { invalid, isObject, optObject, optObjects, optString } from "../listener/envoy-fields.js";
import { NetworkFilterRegistry } from "../listener/filter-registry.js";
import { ListenerManager } from "../listener/listener-manager.js";
import { RouteConfigStore } from "../router/route-config-store.js";
import { tcpProxyFactory } from "../tcp/tcp-proxy.js";
import { networkRbacFactory } from "../network-filters/rbac/network-rbac.js";
import { networkExtAuthzFactory } from "../network-filters/ext-authz/network-ext-authz.js";
import { telemetryNetworkFilterFactories } from "../../telemetry/metadata/metadata-exchange-filter.js";
import { SecretStore } from "../tls/secret-store.js";
import { buildUpstreamTls } from "../tls/upstream.js";
import { ClusterManager, formatClustersText } from "../upstream/index.js";
import { logger } from "./logger.js";
import { adminBackend } from "./admin-backend.js";
import { adsTargetOf } from "../xds/bootstrap-checks.js";
import type { AdsHandle, XdsExtension } from "./xds-apply.js";
import { loadExtensionsFor } from "./extension-loader.js";

/** Envoy's initial_fetch_timeout default. */
const INITIAL_FETCH_TIMEOUT_MS = 15_000;

export type ServerState = "PRE_INITIALIZING" | "INITIALIZING" | "LIVE" | "DRAINING";

export interface ProxyServerOptions {
  readonly bootstrap: EnvoyJson;
  readonly drainTimeMs: number;
  /** --service-node: overrides node.id. */
  readonly serviceNode?: string;
  /** --admin-port: overrides admin.address's port. */
  readonly adminPort?: number;
  /** A secret store filled beforehand (the identity agent's `default` and `ROOTCA`). */
  readonly secrets?: SecretStore;
  /** Per-call credentials for ADS over TLS (the identity agent's bearer token on 15012). */
  readonly adsCallCredentials?: grpc.CallCredentials;
  /**
   * The ADS channel's credentials from the identity agent, trusting the mesh roots as they change
   * (root rotation) and carrying adsCallCredentials; used instead of the xDS cluster's static TLS context.
   */
  readonly adsChannelCredentials?: (verify: grpc.VerifyOptions) => grpc.ChannelCredentials;
  /** Non-Envoy types to take from ADS, by type URL (Istio's NDS for the DNS proxy). */
  readonly xdsExtensions?: Readonly<Record<string, XdsExtension>>;
  /** Request and connection observers for every listener (telemetry: Istio metrics). */
  readonly observers?: Pick<ProxyServices, "onHttpRequest" | "onTcpConnection">;
  /** Called when the proxy wants the process to end (/quitquitquit). */
  readonly onQuit?: () => void;
}

export class ProxyServer {
  readonly secrets: SecretStore;
  readonly stats = new StatsStore();
  readonly routes = new RouteConfigStore();
  readonly clusters: ClusterManager;
  readonly listeners: ListenerManager;
  readonly dump = new ConfigDumpStore();
  readonly registry = new NetworkFilterRegistry();
  readonly nodeId: string;
  readonly node: EnvoyJson;
  /** bootstrap stats_config.stats_matcher; null keeps every stat. */
  readonly statsFilter: StatsFilter | null;
  readonly startedAt = Date.now();
  state: ServerState = "PRE_INITIALIZING";
  adminPort = 0;
  private admin: AdminServer | undefined;
  ads: AdsHandle | undefined;
  private initTimer: NodeJS.Timeout | undefined;

  constructor(readonly options: ProxyServerOptions) {
    this.secrets = options.secrets ?? new SecretStore();
    const b = options.bootstrap;
    const node = optObject(b, "node", "bootstrap") ?? {};
    this.node = { ...node, ...(options.serviceNode !== undefined ? { id: options.serviceNode } : {}) };
    this.nodeId = typeof this.node.id === "string" ? this.node.id : "";
    this.statsFilter = compileStatsMatcher(b);
    this.clusters = new ClusterManager({ tlsBuilder: (json, field) => buildUpstreamTls(json, this.secrets, field) });
    const services: ProxyServices = { nodeId: this.nodeId, clusters: this.clusters, stats: this.stats, routeConfigs: this.routes, ...options.observers };
    this.registry.register(tcpProxyFactory);
    this.registry.register(httpConnectionManagerFactory);
    this.registry.register(networkRbacFactory); // AuthorizationPolicy on TCP chains
    for (const f of telemetryNetworkFilterFactories) this.registry.register(f); // istio.metadata_exchange on TCP chains
    this.registry.register(networkExtAuthzFactory); // CUSTOM AuthorizationPolicy on TCP chains (gRPC client loads on first check)
    this.listeners = new ListenerManager({ registry: this.registry, services, secrets: this.secrets, drainTimeMs: options.drainTimeMs });
  }

  /** Applies static resources, starts admin and ADS; throws MizzenError naming what failed. */
  async start(): Promise<void> {
    this.state = "INITIALIZING";
    const b = this.options.bootstrap;
    this.dump.setBootstrap(b);
    const st = optObject(b, "static_resources", "bootstrap") ?? {};
    for (const [i, s] of optObjects(st, "secrets", "bootstrap.static_resources").entries()) {
      this.wrap(`bootstrap.static_resources.secrets[${i}]`, () => this.secrets.set(s));
      this.dump.accepted("secret", String(s.name), s, "", false);
    }
    for (const [i, c] of optObjects(st, "clusters", "bootstrap.static_resources").entries()) {
      this.wrap(`bootstrap.static_resources.clusters[${i}]`, () => this.clusters.set(c));
      this.dump.accepted("cluster", String(c.name), c, "", false);
    }
    for (const [i, l] of optObjects(st, "listeners", "bootstrap.static_resources").entries()) {
      try {
        await loadExtensionsFor(l);
        await this.listeners.apply(l);
      } catch (e) {
        throw new MizzenError(isMizzenErr(e) ? e.code : "MIZZEN_ERR_BOOTSTRAP", `bootstrap.static_resources.listeners[${i}]: ${errorMessage(e)}`, { cause: e });
      }
      this.dump.accepted("listener", String(l.name), l, "", false);
    }
    await this.startAdmin(b);
    // Like Envoy's init manager: with ADS, stay INITIALIZING (/ready 503) until the first CDS and
    // LDS responses were applied, or until the initial fetch timeout.
    // The ADS client (gRPC, Envoy's protos: ~25 MB resident) is loaded only by proxies that use it.
    if (adsTargetOf(b)) {
      const { startAds } = await import("./xds-apply.js");
      if (this.state !== "INITIALIZING") return; // shut down while loading
      this.ads = startAds(this, () => this.markLive("initial xDS configuration applied"));
    }
    if (this.ads) {
      this.initTimer = setTimeout(() => this.markLive(`no initial xDS configuration after ${INITIAL_FETCH_TIMEOUT_MS / 1000}s`), INITIAL_FETCH_TIMEOUT_MS);
      this.initTimer.unref();
      logger.info(`proxy ${this.nodeId || "(no node id)"} INITIALIZING: admin on 127.0.0.1:${this.adminPort}`);
    } else {
      this.markLive(`${this.listeners.list().length} listeners, admin on 127.0.0.1:${this.adminPort}`);
    }
  }

  private markLive(why: string): void {
    if (this.state !== "INITIALIZING") return;
    if (this.initTimer) clearTimeout(this.initTimer);
    this.state = "LIVE";
    logger.info(`proxy ${this.nodeId || "(no node id)"} LIVE: ${why}`);
  }

  private wrap(field: string, f: () => unknown): void {
    try {
      f();
    } catch (e) {
      throw new MizzenError(isMizzenErr(e) ? e.code : "MIZZEN_ERR_BOOTSTRAP", `${field}: ${errorMessage(e)}`, { cause: e });
    }
  }

  private async startAdmin(b: EnvoyJson): Promise<void> {
    const admin = optObject(b, "admin", "bootstrap");
    const sa = admin ? optObject(optObject(admin, "address", "bootstrap.admin") ?? {}, "socket_address", "bootstrap.admin.address") : undefined;
    const address = (sa && optString(sa, "address", "bootstrap.admin.address.socket_address")) ?? "127.0.0.1";
    const port = this.options.adminPort ?? (sa ? Number(sa.port_value ?? 15000) : 15000);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalid("bootstrap.admin.address.socket_address.port_value", "must be 0..65535");
    this.admin = new AdminServer(adminBackend(this));
    this.adminPort = await this.admin.listen(address, port);
  }

  clustersText(): string {
    return formatClustersText(this.clusters.list());
  }

  /** SIGTERM: stop accepting, drain for the drain time, then close everything. */
  async shutdown(drainTimeMs = this.options.drainTimeMs): Promise<void> {
    if (this.state === "DRAINING") return;
    this.state = "DRAINING";
    if (this.initTimer) clearTimeout(this.initTimer);
    logger.info(`draining listeners for ${drainTimeMs} ms`);
    this.ads?.stop();
    await this.listeners.shutdown(drainTimeMs);
    await this.admin?.close();
    this.clusters.close();
    closeSharedUpstreamPool();
  }

  quit(): void {
    (this.options.onQuit ?? (() => undefined))();
  }
}

function isMizzenErr(e: unknown): e is MizzenError {
  return e instanceof MizzenError;
}

export function checkBootstrapShape(b: unknown, source: string): EnvoyJson {
  if (!isObject(b)) throw new MizzenError("MIZZEN_ERR_BOOTSTRAP", `${source}: the bootstrap must be a mapping`);
  return b;
}
