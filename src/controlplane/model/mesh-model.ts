// The control plane's view of the mesh for translation: services, their endpoints per port, and the
// VirtualServices/DestinationRules by host. A stand-in for the registry + PushContext until those
// land in src/registry and src/pilot; immutable once built, rebuilt on every push.
import type { ConfigStore } from "../../config/store/index.js";
import type { Resource } from "../../config/resource.js";
import type { Workload } from "./live-workloads.js";

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
  readonly selector: Readonly<Record<string, string>> | undefined;
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

function workloadsFromConfig(store: ConfigStore): Workload[] {
  const out: Workload[] = [];
  for (const we of store.list("WorkloadEntry") as IstioResource[]) {
    const spec = we.spec as { address?: string; labels?: Record<string, string>; ports?: Record<string, number>; locality?: string; serviceAccount?: string };
    if (!spec.address) continue;
    out.push({ name: we.metadata.name, namespace: we.metadata.namespace ?? "default", address: spec.address, labels: { ...we.metadata.labels, ...spec.labels }, ports: spec.ports ?? {}, ready: true, locality: spec.locality, serviceAccount: spec.serviceAccount });
  }
  for (const pod of store.list("Pod") as Resource<{ status?: unknown }>[]) {
    const ip = (pod.status as { podIP?: unknown } | undefined)?.podIP;
    if (typeof ip !== "string") continue;
    out.push({ name: pod.metadata.name, namespace: pod.metadata.namespace ?? "default", address: ip, labels: pod.metadata.labels ?? {}, ports: {}, ready: true });
  }
  return out;
}

function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

function servicesFrom(store: ConfigStore): ServiceModel[] {
  const out: ServiceModel[] = [];
  for (const svc of store.list("Service") as Resource<{ spec: { ports?: { port: number; name?: string; targetPort?: number | string }[]; selector?: Record<string, string> } }>[]) {
    const ns = svc.metadata.namespace ?? "default";
    out.push({
      host: `${svc.metadata.name}.${ns}.${DOMAIN_SUFFIX}`,
      name: svc.metadata.name,
      namespace: ns,
      ports: (svc.spec.ports ?? []).map((p) => ({ port: p.port, name: p.name ?? "", targetPort: p.targetPort ?? p.port })),
      selector: svc.spec.selector,
    });
  }
  return out.sort((a, b) => a.host.localeCompare(b.host));
}

function byHost(resources: IstioResource[], hostsOf: (r: IstioResource) => string[]): Map<string, IstioResource> {
  const sorted = [...resources].sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") || `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  const out = new Map<string, IstioResource>();
  for (const r of sorted) for (const h of hostsOf(r)) if (!out.has(h)) out.set(h, r);
  return out;
}

export function buildMeshModel(store: ConfigStore, live: readonly Workload[]): MeshModel {
  const services = servicesFrom(store);
  const workloads = [...workloadsFromConfig(store), ...live];
  const endpoints = new Map<string, EndpointModel[]>();
  for (const svc of services) {
    const selector = svc.selector;
    const members = selector && Object.keys(selector).length > 0 ? workloads.filter((w) => w.namespace === svc.namespace && selects(selector, w.labels)) : [];
    for (const p of svc.ports) {
      const eps: EndpointModel[] = [];
      for (const w of members) {
        const port = typeof p.targetPort === "number" ? p.targetPort : w.ports[p.targetPort];
        if (port === undefined) continue;
        eps.push({ address: w.address, port, labels: w.labels, ready: w.ready, locality: w.locality });
      }
      eps.sort((a, b) => a.address.localeCompare(b.address) || a.port - b.port);
      endpoints.set(`${svc.host}|${p.port}`, eps);
    }
  }
  const vsHosts = (r: IstioResource): string[] => {
    if ((r.spec.gateways as string[] | undefined)?.some((g) => g !== "mesh")) return [];
    return ((r.spec.hosts as string[] | undefined) ?? []).map((h) => fqdn(h, r.metadata.namespace ?? "default"));
  };
  return {
    services,
    endpoints,
    virtualServices: byHost(store.list("VirtualService") as IstioResource[], vsHosts),
    destinationRules: byHost(store.list("DestinationRule") as IstioResource[], (r) => [fqdn(String(r.spec.host ?? ""), r.metadata.namespace ?? "default")]),
  };
}
