// The ports a sidecar's own workload serves: each service port backed by the workload, by the
// endpoint's (target) port, which is what inbound clusters and filter chains are keyed by.
import type { Protocol } from "../registry/index.js";
import type { ProxyScope } from "./scope.js";

export interface InboundPort {
  readonly port: number;
  readonly protocol: Protocol;
  readonly hostname: string;
}

export function inboundPorts(scope: ProxyScope): InboundPort[] {
  const reg = scope.push.registry;
  const w = reg.workloadByAddress(scope.proxy.ip);
  if (!w) return [];
  const key = `${w.namespace}/${w.name}`;
  const out = new Map<number, InboundPort>();
  for (const svc of reg.servicesOf(w)) {
    for (const sp of svc.ports) {
      for (const e of reg.endpoints(svc.hostname, sp.port)) {
        if (e.workload !== key || out.has(e.port)) continue;
        out.set(e.port, { port: e.port, protocol: sp.protocol, hostname: svc.hostname });
      }
    }
  }
  return [...out.values()].sort((a, b) => a.port - b.port);
}
