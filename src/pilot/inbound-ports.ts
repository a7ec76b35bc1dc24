// The ports a sidecar's own workload serves: each service port backed by the workload, by the
// endpoint's (target) port, which is what inbound clusters and filter chains are keyed by. A
// Sidecar with `ingress` entries replaces them, as in Istio: each entry's port, forwarded to its
// defaultEndpoint.
import { parseProtocol, type Protocol } from "../registry/index.js";
import type { ProxyScope } from "./scope.js";

export interface InboundPort {
  readonly port: number;
  readonly protocol: Protocol;
  readonly hostname: string;
  /** Where the app listens; undefined: the proxy's inboundAppAddress and the same port. */
  readonly app?: { readonly address: string; readonly port: number };
  /** Sidecar ingress `bind` (interception NONE listens there instead of the pod address). */
  readonly bind?: string;
}

/** "127.0.0.1:8080" / "0.0.0.0:8080" / "[::1]:8080" → address and port; unix sockets are not supported. */
function parseEndpoint(ep: string | undefined, fallbackAddress: string): { address: string; port: number } | undefined {
  if (ep === undefined) return undefined;
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(ep);
  if (!m) return undefined;
  const host = m[1] ?? m[2] ?? "";
  const address = host === "" || host === "0.0.0.0" || host === "::" ? fallbackAddress : host;
  return { address, port: Number(m[3]) };
}

function sidecarIngressPorts(scope: ProxyScope): InboundPort[] | undefined {
  const ingress = scope.sidecar?.spec.ingress ?? [];
  if (ingress.length === 0) return undefined;
  const out: InboundPort[] = [];
  for (const i of ingress) {
    const port = i.port.number;
    if (port === undefined) continue;
    const app = parseEndpoint(i.defaultEndpoint, scope.proxy.inboundAppAddress);
    out.push({ port, protocol: parseProtocol(i.port.protocol), hostname: "", ...(app ? { app } : {}), ...(i.bind ? { bind: i.bind } : {}) });
  }
  return out.sort((a, b) => a.port - b.port);
}

export function inboundPorts(scope: ProxyScope): InboundPort[] {
  const fromSidecar = sidecarIngressPorts(scope);
  if (fromSidecar) return fromSidecar;
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
