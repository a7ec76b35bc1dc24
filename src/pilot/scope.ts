// What one proxy can see: services and VirtualServices exported to its namespace and imported by
// its Sidecar's egress hosts, and its outbound traffic policy.
import type { Sidecar } from "../config/kinds/networking/index.js";
import type { MeshService } from "../registry/index.js";
import { hostsIntersect } from "./hosts.js";
import { proxyHeaderOptions, type ProxyHeaderOptions } from "./proxy-config.js";
import type { Proxy } from "./proxy.js";
import type { IndexedVirtualService, PushContext } from "./push-context.js";
import { VirtualServiceIndex } from "./virtual-hosts.js";

export type OutboundMode = "ALLOW_ANY" | "REGISTRY_ONLY";

export interface ProxyScope {
  readonly proxy: Proxy;
  readonly push: PushContext;
  readonly sidecar: Sidecar | undefined;
  readonly services: readonly MeshService[];
  /** VirtualServices bound to the mesh gateway that the proxy imports. */
  readonly meshVirtualServices: readonly IndexedVirtualService[];
  /** meshVirtualServices indexed by host. */
  readonly meshVirtualServiceIndex: VirtualServiceIndex;
  readonly outboundMode: OutboundMode;
}

/** Istio's proxy headers for one of the proxy's connection managers (its ProxyConfig, else the mesh's). */
export function proxyHeadersFor(scope: ProxyScope, listener: "inbound" | "outbound" | "gateway"): ProxyHeaderOptions {
  return proxyHeaderOptions(scope.proxy.proxyConfig, scope.push.mesh.defaultConfig, listener);
}

/** Istio's virtual hosts number upstream attempts (x-envoy-attempt-count) unless ProxyConfig turns it off. */
export function includeAttemptCount(scope: ProxyScope): boolean {
  return proxyHeadersFor(scope, "outbound").noAttemptCount !== true;
}

export interface EgressHost {
  readonly namespace: string;
  readonly host: string;
}

/** Sidecar egress hosts "ns/dnsName": "." is the proxy's namespace, "*" any, "~" none. */
export function parseEgressHosts(hosts: readonly string[], proxyNamespace: string): EgressHost[] {
  const out: EgressHost[] = [];
  for (const h of hosts) {
    const slash = h.indexOf("/");
    const ns = slash < 0 ? "*" : h.slice(0, slash);
    const host = slash < 0 ? h : h.slice(slash + 1);
    if (ns === "~") continue;
    out.push({ namespace: ns === "." ? proxyNamespace : ns, host });
  }
  return out;
}

function egressHosts(sidecar: Sidecar, proxyNamespace: string): EgressHost[] {
  return (sidecar.spec.egress ?? []).flatMap((l) => parseEgressHosts(l.hosts, proxyNamespace));
}

export function imported(hosts: readonly EgressHost[] | undefined, namespace: string, host: string): boolean {
  if (hosts === undefined) return true;
  return hosts.some((e) => (e.namespace === "*" || e.namespace === namespace) && hostsIntersect(e.host, host));
}

export function buildScope(proxy: Proxy, push: PushContext): ProxyScope {
  const sidecar = proxy.type === "sidecar" ? push.sidecarFor(proxy.namespace, proxy.labels) : undefined;
  const hosts = sidecar && (sidecar.spec.egress ?? []).length > 0 ? egressHosts(sidecar, proxy.namespace) : undefined;
  const services = push.servicesVisibleTo(proxy.namespace).filter((s) => imported(hosts, s.namespace, s.hostname));
  const meshVirtualServices = push
    .virtualServicesFor("mesh", proxy.namespace)
    .filter((v) => v.hosts.some((h) => imported(hosts, v.namespace, h)));
  const mode = sidecar?.spec.outboundTrafficPolicy?.mode ?? push.mesh.outboundTrafficPolicy?.mode ?? "ALLOW_ANY";
  const outboundMode: OutboundMode = mode === "REGISTRY_ONLY" ? "REGISTRY_ONLY" : "ALLOW_ANY";
  return { proxy, push, sidecar, services, meshVirtualServices, meshVirtualServiceIndex: new VirtualServiceIndex(meshVirtualServices), outboundMode };
}
