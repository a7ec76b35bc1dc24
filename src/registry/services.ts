// Services in the registry's model from Kubernetes Services and Istio ServiceEntries.
import type { Service } from "../config/kinds/core/index.js";
import type { ServiceEntry } from "../config/kinds/networking/index.js";
import { exportToAnnotation, parseExportTo } from "./export-to.js";
import type { MeshService, ServicePortInfo, ServiceResolution } from "./model.js";
import { parseProtocol, servicePortProtocol } from "./protocol.js";

export const DEFAULT_DOMAIN_SUFFIX = "cluster.local";

export function serviceHostname(name: string, namespace: string, domainSuffix = DEFAULT_DOMAIN_SUFFIX): string {
  return `${name}.${namespace}.svc.${domainSuffix}`;
}

/** A Service's explicit VIP, or undefined (none, "None" for headless, or empty). */
export function explicitClusterIp(svc: Service): string | undefined {
  const ip = svc.spec.clusterIP ?? svc.spec.clusterIPs?.[0];
  return ip === undefined || ip === "" || ip === "None" ? undefined : ip;
}

export function isHeadless(svc: Service): boolean {
  return svc.spec.clusterIP === "None";
}

export function serviceFromKubernetes(svc: Service, vip: string | undefined, domainSuffix: string): MeshService {
  const ns = svc.metadata.namespace ?? "default";
  const ports: ServicePortInfo[] = (svc.spec.ports ?? []).map((p) => ({
    name: p.name ?? "",
    port: p.port,
    protocol: servicePortProtocol(p),
    targetPort: p.targetPort,
  }));
  return {
    hostname: serviceHostname(svc.metadata.name, ns, domainSuffix),
    namespace: ns,
    name: svc.metadata.name,
    kind: "Service",
    address: vip,
    ports,
    exportTo: parseExportTo(exportToAnnotation(svc.metadata.annotations), ns),
    location: "MESH_INTERNAL",
    resolution: isHeadless(svc) ? "PASSTHROUGH" : "CLIENT_SIDE_LB",
  };
}

const resolutions: Readonly<Record<string, ServiceResolution>> = {
  NONE: "PASSTHROUGH",
  STATIC: "CLIENT_SIDE_LB",
  DNS: "DNS",
  DNS_ROUND_ROBIN: "DNS_ROUND_ROBIN",
  DYNAMIC_DNS: "DNS",
};

/** A ServiceEntry's own single VIP: its first address that is an IP, not a CIDR. */
export function serviceEntryAddress(se: ServiceEntry): string | undefined {
  return (se.spec.addresses ?? []).find((a) => !a.includes("/"));
}

/**
 * Whether a ServiceEntry host gets an auto-allocated VIP: no address of its own, not a wildcard,
 * and resolved by the mesh (resolution NONE forwards to the original destination, so a VIP would
 * only hide the real address).
 */
export function wantsAutoVip(se: ServiceEntry, host: string): boolean {
  return (se.spec.addresses ?? []).length === 0 && !host.startsWith("*") && (se.spec.resolution ?? "NONE") !== "NONE";
}

/** One MeshService per ServiceEntry host, as Istio does. */
export function servicesFromServiceEntry(se: ServiceEntry, autoVips: ReadonlyMap<string, string>): MeshService[] {
  const ns = se.metadata.namespace ?? "default";
  const ports: ServicePortInfo[] = (se.spec.ports ?? []).map((p) => ({
    name: p.name ?? "",
    port: p.number ?? 0,
    protocol: parseProtocol(p.protocol),
    targetPort: p.targetPort,
  }));
  const resolution = resolutions[se.spec.resolution ?? "NONE"] ?? "PASSTHROUGH";
  const own = serviceEntryAddress(se);
  return se.spec.hosts.map((host) => ({
    hostname: host,
    namespace: ns,
    name: se.metadata.name,
    kind: "ServiceEntry" as const,
    address: own ?? autoVips.get(autoVipKey(ns, host)),
    ports,
    exportTo: parseExportTo(se.spec.exportTo, ns),
    location: se.spec.location ?? "MESH_EXTERNAL",
    resolution,
  }));
}

/** Auto-allocated VIPs are per namespace and host (two namespaces may declare one host). */
export function autoVipKey(namespace: string, host: string): string {
  return `${namespace}/${host}`;
}
