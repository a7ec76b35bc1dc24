// PushContext: an immutable snapshot of config + registry with the indexes the generators use.
import type { ConfigStore } from "../config/store/index.js";
import { defaultMeshConfig, type MeshConfig } from "../config/mesh/index.js";
import type { DestinationRule, Gateway, Sidecar, VirtualService } from "../config/kinds/networking/index.js";
import { isExportedTo, parseExportTo, type ExportTo, type MeshService, type RegistrySnapshot } from "../registry/index.js";
import { hostMatches, hostSpecificity, resolveHost } from "./hosts.js";
import { NO_SECURITY_POLICIES, securityPolicies, type SecurityPolicies } from "./mtls/policies.js";
import type { Telemetry } from "../config/kinds/telemetry/index.js";

export interface IndexedVirtualService {
  readonly vs: VirtualService;
  readonly namespace: string;
  /** Hosts resolved to FQDNs in the VirtualService's namespace. */
  readonly hosts: readonly string[];
  /** Gateways as "mesh" or "ns/name". */
  readonly gateways: readonly string[];
  readonly exportTo: ExportTo;
}

interface IndexedDestinationRule {
  readonly dr: DestinationRule;
  readonly namespace: string;
  readonly host: string;
  readonly exportTo: ExportTo;
}

/** "name" → "ns/name"; "mesh" and "ns/name" stay. */
export function qualifyGateway(name: string, namespace: string): string {
  return name === "mesh" || name.includes("/") ? name : `${namespace}/${name}`;
}

function labelsMatch(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector ?? {})) if (labels[k] !== v) return false;
  return true;
}

export class PushContext {
  readonly mesh: MeshConfig;
  readonly rootNamespace: string;
  readonly domainSuffix: string;
  readonly services: readonly MeshService[];
  readonly virtualServices: readonly IndexedVirtualService[];
  readonly gateways: readonly Gateway[];
  readonly sidecars: readonly Sidecar[];
  /** PeerAuthentication, AuthorizationPolicy, RequestAuthentication (src/pilot/mtls). */
  readonly security: SecurityPolicies;
  /** Telemetry resources (telemetry.istio.io), for the HCMs' stats, access logs and tracing. */
  readonly telemetries: readonly Telemetry[];
  private readonly vsByGateway = new Map<string, IndexedVirtualService[]>();
  private readonly drsByNamespace = new Map<string, IndexedDestinationRule[]>();

  private constructor(
    readonly registry: RegistrySnapshot,
    readonly version: string,
    config: { vs: VirtualService[]; dr: DestinationRule[]; gw: Gateway[]; sc: Sidecar[]; security?: SecurityPolicies; telemetries?: Telemetry[] },
    mesh: MeshConfig,
    domainSuffix: string,
  ) {
    this.mesh = mesh;
    this.rootNamespace = mesh.rootNamespace ?? "istio-system";
    this.domainSuffix = domainSuffix;
    this.services = registry.services;
    this.gateways = config.gw;
    this.sidecars = config.sc;
    this.security = config.security ?? NO_SECURITY_POLICIES;
    this.telemetries = config.telemetries ?? [];
    this.virtualServices = config.vs.map((vs) => {
      const ns = vs.metadata.namespace ?? "default";
      const gws = vs.spec.gateways && vs.spec.gateways.length > 0 ? vs.spec.gateways : ["mesh"];
      return {
        vs,
        namespace: ns,
        hosts: (vs.spec.hosts ?? []).map((h) => resolveHost(h, ns, domainSuffix)),
        gateways: gws.map((g) => qualifyGateway(g, ns)),
        exportTo: parseExportTo(vs.spec.exportTo, ns),
      };
    });
    for (const ivs of this.virtualServices) {
      if (ivs.hosts.length === 0) continue; // delegates are reached only through their root
      for (const g of ivs.gateways) {
        const list = this.vsByGateway.get(g) ?? [];
        list.push(ivs);
        this.vsByGateway.set(g, list);
      }
    }
    for (const dr of config.dr) {
      const ns = dr.metadata.namespace ?? "default";
      const list = this.drsByNamespace.get(ns) ?? [];
      list.push({ dr, namespace: ns, host: resolveHost(dr.spec.host, ns, domainSuffix), exportTo: parseExportTo(dr.spec.exportTo, ns) });
      this.drsByNamespace.set(ns, list);
    }
  }

  /** Builds a snapshot; config comes from the store, services and workloads from the registry. */
  static build(store: ConfigStore, registry: RegistrySnapshot, mesh: MeshConfig = defaultMeshConfig(), domainSuffix = "cluster.local"): PushContext {
    const list = <T>(kind: string): T[] => store.list(kind) as unknown as T[];
    return new PushContext(
      registry,
      String(store.revision),
      { vs: list<VirtualService>("VirtualService"), dr: list<DestinationRule>("DestinationRule"), gw: list<Gateway>("Gateway"), sc: list<Sidecar>("Sidecar"), security: securityPolicies(store), telemetries: list<Telemetry>("Telemetry") },
      mesh,
      domainSuffix,
    );
  }

  /** Services exported to a namespace. */
  servicesVisibleTo(namespace: string): MeshService[] {
    return this.services.filter((s) => isExportedTo(s.exportTo, namespace));
  }

  /** VirtualServices bound to a gateway ("mesh" or "ns/name") and exported to `namespace`. */
  virtualServicesFor(gateway: string, namespace: string): IndexedVirtualService[] {
    return (this.vsByGateway.get(gateway) ?? []).filter((v) => isExportedTo(v.exportTo, namespace));
  }

  /** A delegate VirtualService by name (namespace defaults to the root's). */
  delegate(name: string, namespace: string): IndexedVirtualService | undefined {
    return this.virtualServices.find((v) => v.vs.metadata.name === name && v.namespace === namespace && v.hosts.length === 0);
  }

  /**
   * The DestinationRule for a host as seen from a proxy, with Istio's precedence: the proxy's
   * namespace, then the service's namespace, then the root namespace; within one namespace the
   * most specific host wins. Rules must be exported to the proxy's namespace.
   */
  destinationRule(proxyNamespace: string, proxyLabels: Readonly<Record<string, string>>, service: MeshService): DestinationRule | undefined {
    for (const ns of [proxyNamespace, service.namespace, this.rootNamespace]) {
      let best: IndexedDestinationRule | undefined;
      for (const d of this.drsByNamespace.get(ns) ?? []) {
        if (!isExportedTo(d.exportTo, proxyNamespace) || !hostMatches(d.host, service.hostname)) continue;
        const sel = d.dr.spec.workloadSelector?.matchLabels;
        if (sel !== undefined && (ns !== proxyNamespace || !labelsMatch(sel, proxyLabels))) continue;
        if (!best || hostSpecificity(d.host) > hostSpecificity(best.host)) best = d;
      }
      if (best) return best.dr;
    }
    return undefined;
  }

  /**
   * The Sidecar for a workload: one in its namespace selecting it, else one in its namespace
   * without selector, else the root namespace's one without selector.
   */
  sidecarFor(namespace: string, labels: Readonly<Record<string, string>>): Sidecar | undefined {
    const inNs = this.sidecars.filter((s) => s.metadata.namespace === namespace);
    const selecting = inNs.find((s) => s.spec.workloadSelector?.labels !== undefined && labelsMatch(s.spec.workloadSelector.labels, labels));
    if (selecting) return selecting;
    const nsDefault = inNs.find((s) => s.spec.workloadSelector === undefined);
    if (nsDefault) return nsDefault;
    return this.sidecars.find((s) => s.metadata.namespace === this.rootNamespace && s.spec.workloadSelector === undefined);
  }

  /** Gateways whose selector matches a gateway proxy's labels. */
  gatewaysFor(labels: Readonly<Record<string, string>>): Gateway[] {
    return this.gateways.filter((g) => Object.keys(g.spec.selector ?? {}).length > 0 && labelsMatch(g.spec.selector, labels));
  }
}
