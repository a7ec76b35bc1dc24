// Istio's auto mTLS on outbound clusters: without a DestinationRule tls setting, an EDS cluster
// gets transport_socket_matches: endpoints labelled `security.istio.io/tlsMode: istio` (they run a
// sidecar) are reached over ISTIO_MUTUAL (SDS `default` + `ROOTCA`, ALPN istio-peer-exchange/istio,
// secure naming by the destination's service accounts), every other endpoint in plaintext.
import type { MeshService } from "../../registry/index.js";
import { subsetEndpoints } from "../clusters.js";
import { upstreamTls } from "../cluster-policy.js";
import type { EnvoyJson } from "../envoy.js";
import type { ProxyScope } from "../scope.js";
import { mergedPolicy } from "../traffic-policy.js";

export const TLS_MODE_LABEL = "security.istio.io/tlsMode";
export const TRANSPORT_SOCKET_MATCH = "envoy.transport_socket_match";
const RAW_BUFFER_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer";

interface ClusterKey {
  readonly port: number;
  readonly subset: string;
  readonly host: string;
}

/** `outbound|<port>|<subset>|<host>` → its parts; undefined for any other name. */
export function parseOutboundName(name: string): ClusterKey | undefined {
  const parts = name.split("|");
  if (parts.length !== 4 || parts[0] !== "outbound") return undefined;
  const port = Number(parts[1]);
  if (!Number.isInteger(port) || port <= 0) return undefined;
  return { port, subset: parts[2] ?? "", host: parts[3] ?? "" };
}

/** SPIFFE IDs of the sidecar-running workloads behind a cluster (secure naming). */
export function destinationIdentities(scope: ProxyScope, svc: MeshService, port: number, subset: string): string[] {
  const trustDomain = scope.push.mesh.trustDomain ?? "cluster.local";
  const ids = new Set<string>();
  for (const e of subsetEndpoints(scope, svc, port, subset)) {
    if (e.workload === undefined || e.serviceAccount === "" || e.labels[TLS_MODE_LABEL] !== "istio") continue;
    const ns = e.workload.slice(0, e.workload.indexOf("/"));
    ids.add(`spiffe://${trustDomain}/ns/${ns}/sa/${e.serviceAccount}`);
  }
  return [...ids].sort();
}

function lookup(scope: ProxyScope, name: string): { key: ClusterKey; svc: MeshService } | undefined {
  const key = parseOutboundName(name);
  if (!key) return undefined;
  const svc = scope.services.find((s) => s.hostname === key.host);
  return svc ? { key, svc } : undefined;
}

/** Adds auto-mTLS transport_socket_matches to outbound EDS clusters without an explicit TLS policy. */
export function applyAutoMtls(scope: ProxyScope, clusters: EnvoyJson[]): void {
  if (scope.push.mesh.enableAutoMtls === false) return;
  for (const c of clusters) {
    if (c["type"] !== "EDS" || c["transport_socket"] !== undefined || c["transport_socket_matches"] !== undefined) continue;
    const found = lookup(scope, String(c["name"]));
    if (!found) continue;
    const { key, svc } = found;
    const dr = scope.push.destinationRule(scope.proxy.namespace, scope.proxy.labels, svc);
    if (mergedPolicy(dr, key.port, key.subset).tls?.mode !== undefined) continue; // explicit TLS wins
    const sni = `outbound_.${key.port}_.${key.subset}_.${key.host}`;
    const mtls = upstreamTls({ mode: "ISTIO_MUTUAL", subjectAltNames: destinationIdentities(scope, svc, key.port, key.subset) }, sni);
    if (!mtls) continue;
    c["transport_socket_matches"] = [
      { name: "tlsMode-istio", match: { tlsMode: "istio" }, transport_socket: mtls },
      { name: "tlsMode-disabled", match: {}, transport_socket: { name: "envoy.transport_sockets.raw_buffer", typed_config: { "@type": RAW_BUFFER_TYPE } } },
    ];
  }
}

function addressKey(lb: EnvoyJson): string {
  const sa = ((lb["endpoint"] as EnvoyJson | undefined)?.["address"] as EnvoyJson | undefined)?.["socket_address"] as EnvoyJson | undefined;
  return `${String(sa?.["address"] ?? "")}:${String(sa?.["port_value"] ?? "")}`;
}

/** Marks the endpoints of sidecar-running workloads with `tlsMode: istio` for transport_socket_matches. */
export function tagMtlsEndpoints(scope: ProxyScope, assignments: readonly EnvoyJson[]): void {
  for (const cla of assignments) {
    const found = lookup(scope, String(cla["cluster_name"]));
    if (!found) continue;
    const meshed = new Set<string>();
    for (const e of subsetEndpoints(scope, found.svc, found.key.port, found.key.subset)) {
      if (e.labels[TLS_MODE_LABEL] === "istio") meshed.add(`${e.address}:${e.port}`);
    }
    if (meshed.size === 0) continue;
    for (const group of (cla["endpoints"] as EnvoyJson[] | undefined) ?? []) {
      for (const lb of (group["lb_endpoints"] as EnvoyJson[] | undefined) ?? []) {
        if (!meshed.has(addressKey(lb))) continue;
        const md = (lb["metadata"] as EnvoyJson | undefined) ?? {};
        const fm = (md["filter_metadata"] as EnvoyJson | undefined) ?? {};
        lb["metadata"] = { ...md, filter_metadata: { ...fm, [TRANSPORT_SOCKET_MATCH]: { tlsMode: "istio" } } };
      }
    }
  }
}
