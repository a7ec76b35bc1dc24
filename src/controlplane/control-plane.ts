// The control-plane process (Istio's istiod, pilot part): config from a watched directory into the
// store, live workloads from the platform, the mesh model, translation, ADS on the xDS port with
// debounced pushes (full on config changes, EDS-only on endpoint changes), monitoring on 15014.
import { readFile } from "node:fs/promises";
import { formatDiagnostic } from "../config/diagnostic.js";
import { decodeMeshConfig, defaultMeshConfig, type MeshConfig } from "../config/mesh/index.js";
import { ConfigStore, DirectorySource, type FileDiagnostics, type StoreEvent } from "../config/store/index.js";
import { MizzenError, errorMessage } from "../errors.js";
import { AdsServer, matchesSubscription, type ProxyInfo, type Subscription, type XdsResource } from "../xds/index.js";
import { ConfigDumps } from "./config-dump.js";
import { PushDebouncer, type PushRequest } from "./debouncer.js";
import { pushTypes } from "./push-types.js";
import { LiveWorkloads, decodeWorkloadUpdate } from "./model/live-workloads.js";
import { buildMeshModel } from "./model/mesh-model.js";
import { MonitoringServer } from "./monitoring/monitoring-server.js";
import { PilotMetrics } from "./monitoring/pilot-metrics.js";
import { ProxylessGenerator, type GeneratedResource } from "./proxyless/generator.js";
import { SyncObserver } from "./sync-observer.js";
import { Registry } from "../registry/index.js";
import { EncodeCache } from "./encode-cache.js";
import { SidecarTranslator, wantsSidecarGenerator } from "./sidecar-translator.js";
import type { WorkloadUpdate } from "./model/live-workloads.js";
import { startSecureEndpoint, type SecureEndpoint } from "./security/index.js";
import { NDS_TYPE_URL } from "../api/istio/nds.js";
import { scopedNameTableResources } from "./nds/index.js";

export interface ControlPlaneOptions {
  readonly configDir: string;
  readonly meshFile?: string | undefined;
  /** host:port for ADS (plaintext); port 0 picks a free one. */
  readonly xdsAddress: string;
  /** host and port for monitoring; port 0 picks a free one. */
  readonly monitoringHost: string;
  readonly monitoringPort: number;
  /** Istio's PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX (100 ms / 10 s). */
  readonly debounceAfterMs?: number;
  readonly debounceMaxMs?: number;
  readonly version?: string;
  readonly log?: (message: string) => void;
  /** The secure port (Istio's 15012): CA, CSR service and token-authenticated ADS over TLS. */
  readonly security?: {
    readonly dataDir: string;
    readonly caDir?: string | undefined;
    readonly host: string;
    readonly port: number;
    readonly workloadTtlMs?: number | undefined;
  };
}

/** Kinds whose changes only move endpoints (EDS-only pushes); every other kind is a full push. */
const ENDPOINT_KINDS = new Set(["Pod", "WorkloadEntry", "EndpointSlice", "Endpoints"]);
/** Kinds the registry reads; a change to any other kind (VirtualService …) reuses its snapshot. */
const REGISTRY_KINDS = new Set([...ENDPOINT_KINDS, "Service", "ServiceEntry", "WorkloadGroup", "Deployment", "Namespace", "ServiceAccount"]);

export class ControlPlane {
  readonly store = new ConfigStore();
  readonly workloads = new LiveWorkloads();
  readonly registry = new Registry(this.store);
  readonly ads: AdsServer;
  readonly metrics: PilotMetrics;
  private readonly source: DirectorySource;
  private readonly generator: ProxylessGenerator;
  private readonly sidecars: SidecarTranslator;
  private readonly encodeCache: EncodeCache;
  private readonly debouncer: PushDebouncer;
  private readonly observer: SyncObserver;
  private readonly dumps = new ConfigDumps();
  private readonly monitoring: MonitoringServer;
  private readonly log: (message: string) => void;
  private mesh: MeshConfig = defaultMeshConfig();
  private isReady = false;
  /** The proxyless translation is rebuilt on first use after a push (most meshes have no proxyless clients). */
  private proxylessStale = true;
  /** The registry snapshot of the last push, kept while nothing the registry reads has changed. */
  private registrySnapshot: ReturnType<Registry["snapshot"]> | undefined;
  private unsubscribe: (() => void) | undefined;
  private secure: SecureEndpoint | undefined;

  constructor(private readonly opts: ControlPlaneOptions) {
    this.log = opts.log ?? ((m) => console.error(m));
    this.generator = new ProxylessGenerator(this.log);
    this.encodeCache = new EncodeCache(this.log);
    this.sidecars = new SidecarTranslator(this.encodeCache, this.log);
    this.ads = new AdsServer({ source: (proxy, typeUrl, sub) => this.generate(proxy, typeUrl, sub), log: () => undefined });
    this.metrics = new PilotMetrics(() => this.ads.connections().length);
    this.observer = new SyncObserver(this.ads, this.metrics);
    // The push debouncer merges bursts already; the file watcher only needs to join one save's events.
    this.source = new DirectorySource({ dir: opts.configDir, store: this.store, debounceMs: 10 });
    this.source.on("diagnostics", (d: FileDiagnostics) => this.reportDiagnostics(d));
    this.debouncer = new PushDebouncer({ quietMs: opts.debounceAfterMs ?? 100, maxMs: opts.debounceMaxMs ?? 10_000, push: (req) => this.push(req) });
    this.workloads.onChange = () => this.debouncer.enqueue(false, "endpoint");
    this.monitoring = new MonitoringServer({
      metrics: () => {
        this.observer.scanNacks();
        return this.metrics.registry.render();
      },
      ready: () => this.isReady,
      syncz: () => ({ controlPlaneVersion: this.opts.version ?? "", lastChange: this.observer.lastChange(), proxies: this.observer.proxies() }),
      configDump: (id) => this.configDump(id),
      workloadUpdate: (body) => this.applyWorkload(decodeWorkloadUpdate(body)),
      rootRotation: () => this.secure?.rotateRoot(),
    });
  }

  /** Loads config, starts ADS and monitoring; returns the bound ports. */
  async start(): Promise<{ xdsPort: number; monitoringPort: number; securePort?: number; rootCertFile?: string }> {
    if (this.opts.meshFile) await this.loadMesh(this.opts.meshFile);
    await this.source.start();
    this.translate();
    this.unsubscribe = this.store.subscribe((e) => this.onStoreEvent(e));
    const monitoringPort = await this.monitoring.listen(this.opts.monitoringHost, this.opts.monitoringPort);
    let xdsPort: number;
    try {
      xdsPort = await this.ads.listen(this.opts.xdsAddress);
    } catch (e) {
      await this.monitoring.close();
      throw e;
    }
    const sec = this.opts.security;
    if (sec) {
      try {
        this.secure = await startSecureEndpoint({ ...sec, trustDomain: this.mesh.trustDomain ?? "cluster.local", ads: this.ads, log: this.log });
      } catch (e) {
        await this.ads.close();
        await this.monitoring.close();
        throw e;
      }
    }
    this.isReady = true;
    const secure = this.secure ? `, CA + ADS over TLS on port ${this.secure.port}` : "";
    this.log(`control plane: ${this.store.listAll().length} resources from ${this.opts.configDir}; ADS on port ${xdsPort}${secure}, monitoring on port ${monitoringPort}`);
    return { xdsPort, monitoringPort, ...(this.secure ? { securePort: this.secure.port, rootCertFile: this.secure.rootCertFile } : {}) };
  }

  async stop(): Promise<void> {
    this.isReady = false;
    this.unsubscribe?.();
    this.source.stop();
    this.debouncer.stop();
    await this.debouncer.idle();
    await this.ads.close();
    await this.secure?.close();
    await this.monitoring.close();
  }

  /** Resolves once no push is running (tests, benchmarks). */
  idle(): Promise<void> {
    return this.debouncer.idle();
  }

  meshConfig(): MeshConfig {
    return this.mesh;
  }

  private async loadMesh(file: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      throw new MizzenError("MIZZEN_ERR_MESH_CONFIG", `cannot read mesh config ${file}: ${errorMessage(e)}`, { cause: e });
    }
    const r = decodeMeshConfig(text, file);
    for (const d of r.diagnostics) this.log(`mesh config: ${formatDiagnostic(d)}`);
    if (r.diagnostics.some((d) => d.severity === "error")) throw new MizzenError("MIZZEN_ERR_MESH_CONFIG", `mesh config ${file} has errors`, { details: r.diagnostics.map(formatDiagnostic) });
    this.mesh = r.mesh;
  }

  private reportDiagnostics(d: FileDiagnostics): void {
    for (const diag of d.diagnostics) {
      if (diag.severity === "error") this.metrics.configErrors.inc();
      // Rejected documents keep their last good version serving; say so next to the reason.
      this.log(`config ${diag.severity}: ${formatDiagnostic({ ...diag, file: diag.file ?? d.file })}${diag.severity === "error" ? " (last good version kept)" : ""}`);
    }
  }

  private onStoreEvent(e: StoreEvent): void {
    if (REGISTRY_KINDS.has(e.resource.kind)) this.registrySnapshot = undefined;
    this.debouncer.enqueue(!ENDPOINT_KINDS.has(e.resource.kind), ENDPOINT_KINDS.has(e.resource.kind) ? "endpoint" : "config", e.resource.kind);
  }

  /** Applies a live workload update (decoded) to the registry; returns whether anything changed. */
  applyWorkload(update: WorkloadUpdate): boolean {
    const changed = this.workloads.apply(update);
    if (!changed) return false;
    this.registrySnapshot = undefined;
    if (update.op === "remove") this.registry.removeWorkload(update.namespace, update.name);
    else {
      const w = update.workload;
      this.registry.upsertWorkload({ name: w.name, namespace: w.namespace, address: w.address, labels: w.labels, ready: w.ready, namedPorts: w.ports, ...(w.serviceAccount ? { serviceAccount: w.serviceAccount } : {}), ...(w.locality ? { locality: w.locality } : {}) });
    }
    return true;
  }

  private translate(): void {
    this.encodeCache.rotate();
    this.registrySnapshot ??= this.registry.snapshot();
    this.sidecars.rebuild(this.store, this.registrySnapshot, this.mesh);
    this.proxylessStale = true;
  }

  private proxylessResources(typeUrl: string): readonly GeneratedResource[] {
    if (this.proxylessStale) {
      this.registrySnapshot ??= this.registry.snapshot();
      this.generator.rebuild(buildMeshModel(this.store, this.registrySnapshot));
      this.proxylessStale = false;
    }
    return this.generator.resources().get(typeUrl) ?? [];
  }

  private async push(req: PushRequest): Promise<void> {
    this.translate();
    this.observer.beginPush(req);
    await this.ads.push(undefined, pushTypes(req));
    await this.ads.settled();
    this.observer.endPush(req);
    const live = new Set(this.ads.proxies().map((p) => p.id));
    this.dumps.forget(live);
    this.sidecars.forget(live);
    this.observer.forget(live);
  }

  private generate(proxy: ProxyInfo, typeUrl: string, sub: Subscription): XdsResource[] {
    if (typeUrl === NDS_TYPE_URL) return scopedNameTableResources(proxy, this.sidecars.pushContext()); // Istio's NDS (DNS capture), under the proxy's Sidecar scope
    const all = wantsSidecarGenerator(proxy) ? this.sidecars.resources(proxy, typeUrl) : this.proxylessResources(typeUrl);
    const picked: GeneratedResource[] = sub.wildcard ? [...all] : all.filter((g) => matchesSubscription(sub, g.resource.name));
    this.dumps.record(proxy.id, typeUrl, "", picked);
    let bytes = 0;
    for (const g of picked) bytes += g.resource.any.value.length;
    this.observer.sizes.set(`${proxy.id}\u0000${typeUrl}`, bytes);
    return picked.map((g) => g.resource);
  }

  private configDump(idOrPrefix: string): ReturnType<ConfigDumps["dump"]> | undefined {
    const conns = this.ads.connections();
    const exact = conns.find((c) => c.proxyId === idOrPrefix);
    const matches = exact ? [exact] : conns.filter((c) => c.proxyId.startsWith(idOrPrefix));
    const conn = matches.length === 1 ? matches[0] : undefined;
    if (!conn) return undefined;
    const versions: Record<string, string> = {};
    for (const [t, s] of Object.entries(conn.types)) versions[t] = s.sentVersion;
    return this.dumps.dump(conn.proxyId, versions);
  }
}
