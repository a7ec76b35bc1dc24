// NDS (Istio's name table for the agent's DNS proxy), per proxy: every service the proxy's
// namespace can see (its own and those exported to it) that has an address: Kubernetes Services
// by FQDN with their short name and namespace, ServiceEntry hosts with their addresses or
// auto-allocated VIPs. Wildcard hosts and services without an address are left out: the agent
// forwards those names to the upstream resolver (as Istio's BuildNameTable does).
import { NDS_TYPE_URL, encodeNameTable, type NameInfo, type NameTable } from "../../api/istio/nds.js";
import { isExportedTo, type MeshService } from "../../registry/index.js";
import { rawResource, type ProxyInfo, type XdsResource } from "../../xds/index.js";

/** The resource name the control plane gives the one NameTable it sends (SotW carries no names). */
export const NAME_TABLE_RESOURCE = "nds";

/** The proxy's namespace: node metadata NAMESPACE, else the `pod.ns` part of a `sidecar~ip~pod.ns~domain` id. */
export function proxyNamespace(proxy: ProxyInfo): string {
  const md = proxy.node["metadata"] as Record<string, unknown> | undefined;
  const ns = md?.["NAMESPACE"];
  if (typeof ns === "string" && ns !== "") return ns;
  const podDotNs = proxy.id.split("~")[2] ?? "";
  const dot = podDotNs.indexOf(".");
  return dot < 0 ? "default" : podDotNs.slice(dot + 1);
}

/** The name table a proxy in `namespace` gets from the registry's services. */
export function buildNameTable(services: readonly MeshService[], namespace: string): NameTable {
  const table: Record<string, NameInfo> = {};
  for (const svc of services) {
    if (svc.address === undefined || svc.hostname.includes("*")) continue;
    if (svc.namespace !== namespace && !isExportedTo(svc.exportTo, namespace)) continue;
    const host = svc.hostname.toLowerCase();
    const existing = table[host];
    if (existing) {
      // Two entries for one host (e.g. a ServiceEntry with several addresses): all addresses.
      if (!existing.ips.includes(svc.address)) existing.ips.push(svc.address);
      continue;
    }
    const kube = svc.kind === "Service";
    table[host] = {
      ips: [svc.address],
      registry: kube ? "Kubernetes" : "External",
      shortname: kube ? svc.name : "",
      namespace: kube ? svc.namespace : "",
      alt_hosts: [],
    };
  }
  return { table };
}

/** The NDS resources for one proxy (always one NameTable, empty when nothing is visible). */
export function nameTableResources(proxy: ProxyInfo, services: readonly MeshService[]): XdsResource[] {
  return [rawResource(NDS_TYPE_URL, NAME_TABLE_RESOURCE, encodeNameTable(buildNameTable(services, proxyNamespace(proxy))))];
}
