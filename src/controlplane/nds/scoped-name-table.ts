// The name table as Istio builds it: from the proxy's SidecarScope, so a Sidecar whose egress
// hosts leave a service out also leaves its name out of DNS (the agent then forwards the query
// upstream, as it does for any name it does not know). The scope is src/pilot's buildScope, the
// one CDS and LDS use, so what a proxy can resolve and what it can route to never disagree.
import { NDS_TYPE_URL, encodeNameTable, type NameTable } from "../../api/istio/nds.js";
import { isMizzenError } from "../../errors.js";
import { buildScope, proxyFromNode, type Proxy, type PushContext } from "../../pilot/index.js";
import { rawResource, type ProxyInfo, type XdsResource } from "../../xds/index.js";
import { NAME_TABLE_RESOURCE, buildNameTable, proxyNamespace } from "./name-table.js";

/** The pilot proxy of an xDS node (labels from metadata LABELS, else from its workload), or undefined for ids that are not `sidecar~…`/`router~…`. */
export function nameTableProxy(info: ProxyInfo, push: PushContext): Proxy | undefined {
  const md = info.node["metadata"] as Record<string, unknown> | undefined;
  const locality = info.node["locality"] as Record<string, unknown> | undefined;
  const ip = info.id.split("~")[1] ?? "";
  try {
    return proxyFromNode({ id: info.id, ...(md ? { metadata: md } : {}), ...(locality ? { locality } : {}) }, push.registry.workloadByAddress(ip));
  } catch (e) {
    if (isMizzenError(e)) return undefined; // a node id pilot cannot parse: no Sidecar can select it
    throw e;
  }
}

/** The name table for one proxy: the services of its Sidecar scope (exportTo and egress hosts). */
export function scopedNameTable(info: ProxyInfo, push: PushContext): NameTable {
  const proxy = nameTableProxy(info, push);
  if (!proxy) {
    const ns = proxyNamespace(info);
    return buildNameTable(push.servicesVisibleTo(ns), ns);
  }
  return buildNameTable(buildScope(proxy, push).services, proxy.namespace);
}

/** The NDS resources for one proxy under its Sidecar scope (always one NameTable). */
export function scopedNameTableResources(info: ProxyInfo, push: PushContext): XdsResource[] {
  return [rawResource(NDS_TYPE_URL, NAME_TABLE_RESOURCE, encodeNameTable(scopedNameTable(info, push)))];
}
