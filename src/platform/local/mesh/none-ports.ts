// Capture NONE: gateways share the host's ports and bind their listeners on 0.0.0.0, so the config
// dir's copies of gateway config get host ports of their own. The ingress Gateway's 80/443 become
// the ingress ports (the host reaches them there). The egress gateway's port 80 becomes a free port
// chosen at `up` (a sidecar's listener on <pod ip>:80 would otherwise collide with 0.0.0.0:80):
// its Gateway server, the VirtualService matches bound to it (`port: 80`) and the target port of
// its Service follow, so the mesh still routes to istio-egressgateway:80 as in Istio.
import type { Resource } from "../../../config/resource.js";
import { mapGatewayPorts } from "./config-dir.js";
import { EGRESS_GATEWAY } from "./pods.js";

export interface NonePorts {
  ingressPort: number;
  ingressHttpsPort?: number | undefined;
  egressHttpPort?: number | undefined;
}

type Spec = Record<string, unknown>;
const specOf = (r: Resource): Spec => (r["spec"] ?? {}) as Spec;

/** Names a VirtualService may use for the egress Gateways among `resources` (`name` and `ns/name`). */
export function egressGatewayNames(resources: readonly Resource[]): Set<string> {
  const names = new Set<string>();
  for (const r of resources) {
    if (r.kind !== "Gateway" || (specOf(r)["selector"] as Record<string, string> | undefined)?.["istio"] !== "egressgateway") continue;
    names.add(r.metadata.name);
    names.add(`${r.metadata.namespace ?? "default"}/${r.metadata.name}`);
  }
  return names;
}

function mapEgressResource(r: Resource, port: number, egressNames: ReadonlySet<string>): Resource {
  const spec = specOf(r);
  if (r.kind === "Gateway" && (spec["selector"] as Record<string, string> | undefined)?.["istio"] === "egressgateway") {
    const servers = (spec["servers"] ?? []) as { port?: { number?: number } }[];
    return { ...r, spec: { ...spec, servers: servers.map((s) => (s.port?.number === 80 ? { ...s, port: { ...s.port, number: port } } : s)) } };
  }
  if (r.kind === "Service" && r.metadata.name === EGRESS_GATEWAY.name && r.metadata.namespace === "istio-system") {
    const ports = (spec["ports"] ?? []) as { port?: number; targetPort?: number | string }[];
    return { ...r, spec: { ...spec, ports: ports.map((p) => (p.port === 80 ? { ...p, targetPort: port } : p)) } };
  }
  if (r.kind === "VirtualService") {
    const bound = (m: { gateways?: string[]; port?: number }): boolean => m.port === 80 && (m.gateways ?? []).length > 0 && (m.gateways ?? []).every((g) => egressNames.has(g));
    const routes = (key: string): unknown => ((spec[key] ?? undefined) as { match?: { gateways?: string[]; port?: number }[] }[] | undefined)?.map((h) => ({
      ...h, ...(h.match ? { match: h.match.map((m) => (bound(m) ? { ...m, port } : m)) } : {}),
    }));
    const out: Spec = { ...spec };
    for (const key of ["http", "tcp", "tls"]) if (spec[key] !== undefined) out[key] = routes(key);
    return { ...r, spec: out };
  }
  return r;
}

/** The NONE mapper for config dir copies; `known` is the config already there (to find egress Gateways). */
export function nonePortMapper(ports: NonePorts, resources: readonly Resource[], known: readonly Resource[] = []): (r: Resource) => Resource {
  const egressNames = egressGatewayNames([...known, ...resources]);
  return (r) => {
    const mapped = mapGatewayPorts(r, ports.ingressPort, ports.ingressHttpsPort);
    return ports.egressHttpPort ? mapEgressResource(mapped, ports.egressHttpPort, egressNames) : mapped;
  };
}
