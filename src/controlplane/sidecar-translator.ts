// Sidecars and gateways (node ids `sidecar~…` / `router~…`) get src/pilot's generators: one
// PushContext per push, resources generated once per proxy per push (all four types together, on
// the first type the stream asks for) and encoded through the shared cache. In src/pilot only
// listeners and inbound clusters read a proxy's id, IP, pod name or inbound app address, so
// sidecars alike in everything else share outbound clusters, endpoints and routes (as Istio's xDS
// cache does); listeners and inbound clusters stay per proxy.
import { CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL } from "../api/envoy/type-urls.js";
import type { MeshConfig } from "../config/mesh/index.js";
import type { ConfigStore } from "../config/store/index.js";
import { MizzenError, errorMessage } from "../errors.js";
import { PushContext, buildScope, generateProxyResources, proxyFromNode, type Proxy } from "../pilot/index.js";
import { inboundClusters } from "../pilot/clusters.js";
import { sidecarListeners } from "../pilot/listeners.js";
import { secureInboundListeners } from "../pilot/mtls/index.js";
import { applyMeshTelemetry } from "../telemetry/wiring/mesh-telemetry-pass.js";
import { applyTcpMetadataExchange } from "../telemetry/metadata/metadata-exchange-pass.js";
import type { RegistrySnapshot } from "../registry/index.js";
import type { ProxyInfo } from "../xds/index.js";
import type { EncodeCache } from "./encode-cache.js";
import type { GeneratedResource } from "./proxyless/generator.js";

/** Istio picks the generator from node metadata GENERATOR; "grpc" means proxyless. */
export function wantsSidecarGenerator(proxy: ProxyInfo): boolean {
  const md = proxy.node.metadata as Record<string, unknown> | undefined;
  if (md?.["GENERATOR"] === "grpc") return false;
  return /^(sidecar|router)~[^~]+~[^~]+~[^~]*$/.test(proxy.id);
}

export class SidecarTranslator {
  private push: PushContext | undefined;
  private snapshot: RegistrySnapshot | undefined;
  private generation = 0;
  private readonly perProxy = new Map<string, { generation: number; byType: Map<string, GeneratedResource[]> }>();
  /** Outbound CDS/EDS/RDS per sharing key, for the current generation only. */
  private shared = new Map<string, { outbound: GeneratedResource[]; endpoints: GeneratedResource[]; routes: GeneratedResource[] }>();

  /** Policy messages already logged: every sidecar and every push would repeat them (bounded). */
  private logged = new Set<string>();

  constructor(private readonly cache: EncodeCache, private readonly log: (message: string) => void) {}

  private logOnce(message: string): void {
    if (this.logged.has(message)) return;
    if (this.logged.size >= 1000) this.logged.clear();
    this.logged.add(message);
    this.log(message);
  }

  rebuild(store: ConfigStore, snapshot: RegistrySnapshot, mesh: MeshConfig): void {
    this.push = PushContext.build(store, snapshot, mesh);
    this.snapshot = snapshot;
    this.generation += 1;
    this.shared = new Map();
  }

  /** The last push's PushContext (NDS reads the same Sidecar scope); start() translates before ADS listens. */
  pushContext(): PushContext {
    if (!this.push) throw new MizzenError("MIZZEN_ERR_NOT_TRANSLATED", "no push has been translated yet");
    return this.push;
  }

  resources(info: ProxyInfo, typeUrl: string): readonly GeneratedResource[] {
    const cached = this.perProxy.get(info.id);
    if (cached && cached.generation === this.generation) return cached.byType.get(typeUrl) ?? [];
    const byType = this.generate(info);
    this.perProxy.set(info.id, { generation: this.generation, byType });
    return byType.get(typeUrl) ?? [];
  }

  forget(liveProxyIds: ReadonlySet<string>): void {
    for (const id of this.perProxy.keys()) if (!liveProxyIds.has(id)) this.perProxy.delete(id);
  }

  private generate(info: ProxyInfo): Map<string, GeneratedResource[]> {
    const out = new Map<string, GeneratedResource[]>();
    if (!this.push) return out;
    let proxy: Proxy;
    try {
      const ip = info.id.split("~")[1] ?? "";
      const node = { id: info.id, metadata: info.node.metadata as Record<string, unknown> | undefined, locality: info.node.locality as Record<string, unknown> | undefined };
      proxy = proxyFromNode(node, this.snapshot?.workloadByAddress(ip));
      if (proxy.type !== "sidecar") {
        const r = generateProxyResources(proxy, this.push);
        out.set(CDS_TYPE_URL, this.cache.encode(CDS_TYPE_URL, r.clusters));
        out.set(EDS_TYPE_URL, this.cache.encode(EDS_TYPE_URL, r.endpoints));
        out.set(LDS_TYPE_URL, this.cache.encode(LDS_TYPE_URL, r.listeners));
        out.set(RDS_TYPE_URL, this.cache.encode(RDS_TYPE_URL, r.routes));
        return out;
      }
      // The first sidecar of its kind gets the full generation; the others reuse its outbound
      // clusters, endpoints and routes and add their own listeners and inbound clusters.
      const scope = buildScope(proxy, this.push);
      // Everything about the proxy except its own identity and address (which only the per-proxy
      // part reads), so a field the generators start reading later keys the sharing automatically.
      const key = JSON.stringify({ ...proxy, id: "", ip: "", name: "", inboundAppAddress: "", labels: Object.entries(proxy.labels).sort() });
      let shared = this.shared.get(key);
      if (!shared) {
        const r = generateProxyResources(proxy, this.push);
        shared = {
          outbound: this.cache.encode(CDS_TYPE_URL, r.clusters.filter((c) => !String(c["name"]).startsWith("inbound|"))),
          endpoints: this.cache.encode(EDS_TYPE_URL, r.endpoints),
          routes: this.cache.encode(RDS_TYPE_URL, r.routes),
        };
        this.shared.set(key, shared);
      }
      out.set(CDS_TYPE_URL, [...shared.outbound, ...this.cache.encode(CDS_TYPE_URL, inboundClusters(scope))]);
      out.set(EDS_TYPE_URL, shared.endpoints);
      const listeners = sidecarListeners(scope);
      for (const m of secureInboundListeners(scope, listeners, this.push.security)) this.logOnce(m); // as generateProxyResources does
      applyMeshTelemetry(scope, listeners);
      applyTcpMetadataExchange(scope, listeners);
      out.set(LDS_TYPE_URL, this.cache.encode(LDS_TYPE_URL, listeners));
      out.set(RDS_TYPE_URL, shared.routes);
    } catch (e) {
      this.log(`cannot generate config for ${info.id}: ${errorMessage(e)}`);
    }
    return out;
  }
}
