// The DNS proxy's table from the registry's services, as a pod in `namespace` sees them: every
// service exported to that namespace with a VIP (Kubernetes Services and ServiceEntry hosts,
// addresses given or auto-allocated); wildcard hosts and services without an address are left to
// the upstream resolver.
import { isExportedTo, type MeshService } from "../../registry/index.js";
import type { DnsTableInput } from "./dns-table.js";

export function dnsTableFromServices(services: readonly MeshService[], namespace: string, domain = "cluster.local"): DnsTableInput {
  const hosts: Record<string, string[]> = {};
  for (const svc of services) {
    if (svc.address === undefined || svc.hostname.startsWith("*")) continue;
    if (svc.namespace !== namespace && !isExportedTo(svc.exportTo, namespace)) continue;
    const list = (hosts[svc.hostname.toLowerCase()] ??= []);
    if (!list.includes(svc.address)) list.push(svc.address);
  }
  return { namespace, domain, hosts };
}
