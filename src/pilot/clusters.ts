// Clusters: outbound per service port and DestinationRule subset, inbound per workload port, and
// the PassthroughCluster / BlackHoleCluster / InboundPassthroughCluster Istio always sends.
import type { Endpoint, MeshService, ServicePortInfo } from "../registry/index.js";
import { applyPolicy } from "./cluster-policy.js";
import {
  adsConfigSource, BLACKHOLE_CLUSTER, envoyDuration, INBOUND_PASSTHROUGH_CLUSTER, inboundClusterName, outboundClusterName, PASSTHROUGH_CLUSTER, socketAddress, type EnvoyJson,
} from "./envoy.js";
import { inboundPorts } from "./inbound-ports.js";
import { localityLbEndpoints } from "./endpoints.js";
import type { ProxyScope } from "./scope.js";
import { mergedPolicy, subsetLabels } from "./traffic-policy.js";

function connectTimeout(scope: ProxyScope): string {
  return envoyDuration(scope.push.mesh.connectTimeout) ?? "10s";
}

function istioMetadata(svc: MeshService, sp: ServicePortInfo, subset: string): EnvoyJson {
  const istio: EnvoyJson = { default_original_port: sp.port, services: [{ host: svc.hostname, name: svc.name, namespace: svc.namespace }] };
  if (subset !== "") istio["subset"] = subset;
  return { filter_metadata: { istio } };
}

function labelsMatch(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/** Endpoints of a service port restricted to a subset's labels. */
export function subsetEndpoints(scope: ProxyScope, svc: MeshService, port: number, subset: string): Endpoint[] {
  const all = scope.push.registry.endpoints(svc.hostname, port);
  if (subset === "") return [...all];
  const dr = scope.push.destinationRule(scope.proxy.namespace, scope.proxy.labels, svc);
  const labels = subsetLabels(dr, subset);
  return labels === undefined ? [] : all.filter((e) => labelsMatch(labels, e.labels));
}

/**
 * Secure naming: the SPIFFE identities of the workloads behind a cluster, which the client checks
 * the server's certificate against under ISTIO_MUTUAL.
 */
function secureNames(scope: ProxyScope, svc: MeshService, port: number, subset: string): string[] {
  const trustDomain = scope.push.mesh.trustDomain ?? "cluster.local";
  const ids = new Set<string>();
  for (const e of subsetEndpoints(scope, svc, port, subset)) {
    if (e.workload === undefined || e.serviceAccount === "") continue;
    const ns = e.workload.slice(0, e.workload.indexOf("/"));
    ids.add(`spiffe://${trustDomain}/ns/${ns}/sa/${e.serviceAccount}`);
  }
  return [...ids].sort();
}

function outboundCluster(scope: ProxyScope, svc: MeshService, sp: ServicePortInfo, subset: string): EnvoyJson {
  const name = outboundClusterName(sp.port, subset, svc.hostname);
  const c: EnvoyJson = { name, connect_timeout: connectTimeout(scope), metadata: istioMetadata(svc, sp, subset) };
  switch (svc.resolution) {
    case "CLIENT_SIDE_LB":
      c["type"] = "EDS";
      c["eds_cluster_config"] = { eds_config: adsConfigSource(), service_name: name };
      break;
    case "DNS":
    case "DNS_ROUND_ROBIN":
      c["type"] = svc.resolution === "DNS" ? "STRICT_DNS" : "LOGICAL_DNS";
      c["dns_lookup_family"] = "V4_ONLY";
      {
        // LOGICAL_DNS takes exactly one host to resolve; Istio uses the first endpoint.
        const eps = subsetEndpoints(scope, svc, sp.port, subset);
        c["load_assignment"] = { cluster_name: name, endpoints: localityLbEndpoints(svc.resolution === "DNS" ? eps : eps.slice(0, 1)) };
      }
      break;
    case "PASSTHROUGH":
      c["type"] = "ORIGINAL_DST";
      c["lb_policy"] = "CLUSTER_PROVIDED";
      break;
  }
  const dr = scope.push.destinationRule(scope.proxy.namespace, scope.proxy.labels, svc);
  const passthrough = c["type"] === "ORIGINAL_DST";
  let policy = mergedPolicy(dr, sp.port, subset);
  if (policy.tls?.mode === "ISTIO_MUTUAL" && (policy.tls.subjectAltNames ?? []).length === 0) {
    policy = { ...policy, tls: { ...policy.tls, subjectAltNames: secureNames(scope, svc, sp.port, subset) } };
  }
  applyPolicy(c, policy, sp.protocol, `outbound_.${sp.port}_.${subset}_.${svc.hostname}`, scope.push.mesh.localityLbSetting);
  if (passthrough) c["lb_policy"] = "CLUSTER_PROVIDED";
  return c;
}

export function outboundClusters(scope: ProxyScope): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  const seen = new Set<string>();
  for (const svc of scope.services) {
    if (svc.hostname.startsWith("*")) continue; // wildcard entries are reached through passthrough
    const dr = scope.push.destinationRule(scope.proxy.namespace, scope.proxy.labels, svc);
    for (const sp of svc.ports) {
      if (sp.protocol === "UDP") continue;
      for (const subset of ["", ...(dr?.spec.subsets ?? []).map((s) => s.name)]) {
        const c = outboundCluster(scope, svc, sp, subset);
        if (seen.has(c["name"] as string)) continue;
        seen.add(c["name"] as string);
        out.push(c);
      }
    }
  }
  return out;
}

/** STATIC clusters to the app: `inbound|<port>||` → inboundAppAddress:<port>, or a Sidecar ingress defaultEndpoint. */
export function inboundClusters(scope: ProxyScope): EnvoyJson[] {
  return inboundPorts(scope).map((p) => {
    const name = inboundClusterName(p.port);
    return {
      name,
      type: "STATIC",
      connect_timeout: connectTimeout(scope),
      lb_policy: "ROUND_ROBIN",
      load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(p.app?.address ?? scope.proxy.inboundAppAddress, p.app?.port ?? p.port) } }] }] },
      ...(p.hostname ? { metadata: { filter_metadata: { istio: { services: [{ host: p.hostname }] } } } } : {}),
    };
  });
}

export function fixedClusters(scope: ProxyScope): EnvoyJson[] {
  const timeout = connectTimeout(scope);
  return [
    { name: PASSTHROUGH_CLUSTER, type: "ORIGINAL_DST", lb_policy: "CLUSTER_PROVIDED", connect_timeout: timeout },
    { name: BLACKHOLE_CLUSTER, type: "STATIC", connect_timeout: timeout, load_assignment: { cluster_name: BLACKHOLE_CLUSTER, endpoints: [] } },
    { name: INBOUND_PASSTHROUGH_CLUSTER, type: "ORIGINAL_DST", lb_policy: "CLUSTER_PROVIDED", connect_timeout: timeout },
  ];
}
