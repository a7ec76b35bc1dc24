// What the proxyless gRPC translation reads: the registry's services and endpoints per port (from
// src/registry) and the VirtualServices/DestinationRules by host. Immutable once built.
import type { ConfigStore } from "../../config/store/index.js";
import type { Resource } from "../../config/resource.js";
import type { RegistrySnapshot } from "../../registry/index.js";

export interface ServicePortModel {
  readonly port: number;
  readonly name: string;
  readonly targetPort: number | string;
}

export interface ServiceModel {
  /** `<name>.<namespace>.svc.cluster.local` */
  readonly host: string;
  readonly name: string;
  readonly namespace: string;
  readonly ports: readonly ServicePortModel[];
}

export interface EndpointModel {
  readonly address: string;
  readonly port: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly ready: boolean;
  readonly locality: string | undefined;
}

/** The Istio kinds translation reads, loosely typed: the decoder has already validated them. */
export type IstioResource = Resource<{ spec: Record<string, unknown> }>;

export interface MeshModel {
  readonly services: readonly ServiceModel[];
  /** Key `${host}|${port}` (service port). */
  readonly endpoints: ReadonlyMap<string, readonly EndpointModel[]>;
  /** The VirtualService that owns each host (oldest first wins, as in Istio). */
  readonly virtualServices: ReadonlyMap<string, IstioResource>;
  readonly destinationRules: ReadonlyMap<string, IstioResource>;
}

export const DOMAIN_SUFFIX = "svc.cluster.local";

/** Istio's short-name expansion: "reviews" in namespace ns means reviews.ns.svc.cluster.local. */
export function fqdn(host: string, namespace: string): string {
  return host.includes(".") ? host : `${host}.${namespace}.${DOMAIN_SUFFIX}`;
}

function byHost(resources: IstioResource[], hostsOf: (r: IstioResource) => string[]): Map<string, IstioResource> {
  const sorted = [...resources].sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") || `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  const out = new Map<string, IstioResource>();
  for (const r of sorted) for (const h of hostsOf(r)) if (!out.has(h)) out.set(h, r);
  return out;
}

export function buildMeshModel(store: ConfigStore, registry: RegistrySnapshot): MeshModel {
  const services: ServiceModel[] = [];
  const endpoints = new Map<string, EndpointModel[]>();
  for (const svc of registry.services) {
    if (svc.hostname.startsWith("*") || services.some((s) => s.host === svc.hostname)) continue;
    services.push({ host: svc.hostname, name: svc.name, namespace: svc.namespace, ports: svc.ports.map((p) => ({ port: p.port, name: p.name, targetPort: p.targetPort ?? p.port })) });
    for (const p of svc.ports) {
      const eps = registry.endpoints(svc.hostname, p.port).map((e) => ({ address: e.address, port: e.port, labels: e.labels, ready: e.healthy, locality: e.locality === "" ? undefined : e.locality }));
      endpoints.set(`${svc.hostname}|${p.port}`, eps.sort((a, b) => a.address.localeCompare(b.address) || a.port - b.port));
    }
  }
  const vsHosts = (r: IstioResource): string[] => {
    if ((r.spec.gateways as string[] | undefined)?.some((g) => g !== "mesh")) return [];
    return ((r.spec.hosts as string[] | undefined) ?? []).map((h) => fqdn(h, r.metadata.namespace ?? "default"));
  };
  return {
    services: services.sort((a, b) => a.host.localeCompare(b.host)),
    endpoints,
    virtualServices: byHost(store.list("VirtualService") as IstioResource[], vsHosts),
    destinationRules: byHost(store.list("DestinationRule") as IstioResource[], (r) => [fqdn(String(r.spec.host ?? ""), r.metadata.namespace ?? "default")]),
  };
}
