// Endpoints: which workload addresses and ports serve each service port.
import type { Service } from "../config/kinds/core/index.js";
import type { ServiceEntry } from "../config/kinds/networking/index.js";
import type { Endpoint, MeshService, ServicePortInfo, Workload } from "./model.js";

function labelsMatch(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

function fromWorkload(svc: MeshService, sp: ServicePortInfo, w: Workload, port: number): Endpoint {
  return {
    hostname: svc.hostname,
    servicePort: sp.port,
    address: w.address,
    port,
    labels: w.labels,
    locality: w.locality,
    healthy: w.ready,
    serviceAccount: w.serviceAccount,
    weight: w.weight,
    workload: `${w.namespace}/${w.name}`,
    sidecar: w.sidecar,
  };
}

/** Kubernetes targetPort: a number, a container port name (looked up per workload), or the port itself. */
function targetPortOf(sp: ServicePortInfo, w: Workload): number | undefined {
  const t = sp.targetPort;
  if (t === undefined) return sp.port;
  if (typeof t === "number") return t;
  const asNumber = Number(t);
  if (Number.isInteger(asNumber) && asNumber > 0) return asNumber;
  return w.namedPorts[t];
}

/** Endpoints of a Kubernetes Service: workloads of its namespace matching its selector. */
export function kubernetesEndpoints(svc: MeshService, k8s: Service, workloads: readonly Workload[]): Endpoint[] {
  const selector = k8s.spec.selector;
  if (selector === undefined || Object.keys(selector).length === 0) return [];
  const out: Endpoint[] = [];
  for (const w of workloads) {
    if (w.namespace !== svc.namespace || !labelsMatch(selector, w.labels)) continue;
    for (const sp of svc.ports) {
      const port = targetPortOf(sp, w);
      if (port !== undefined) out.push(fromWorkload(svc, sp, w, port));
    }
  }
  return out;
}

/**
 * Endpoints of one ServiceEntry host: inline endpoints, else workloads (Pods and WorkloadEntries of
 * the entry's namespace) picked by workloadSelector, else — for DNS resolution — the host itself.
 */
export function serviceEntryEndpoints(svc: MeshService, se: ServiceEntry, workloads: readonly Workload[]): Endpoint[] {
  const out: Endpoint[] = [];
  const inline = se.spec.endpoints ?? [];
  for (const e of inline) {
    if (e.address === undefined || e.address === "") continue;
    const labels = e.labels ?? {};
    for (const sp of svc.ports) {
      const port = e.ports?.[sp.name] ?? numericTarget(sp) ?? sp.port;
      out.push({
        hostname: svc.hostname,
        servicePort: sp.port,
        address: e.address,
        port,
        labels,
        locality: e.locality ?? "",
        healthy: true,
        serviceAccount: e.serviceAccount ?? "",
        weight: e.weight,
        workload: undefined,
        sidecar: false,
      });
    }
  }
  const selector = se.spec.workloadSelector?.labels;
  if (inline.length === 0 && selector !== undefined) {
    for (const w of workloads) {
      if (w.namespace !== svc.namespace || !labelsMatch(selector, w.labels)) continue;
      for (const sp of svc.ports) out.push(fromWorkload(svc, sp, w, w.namedPorts[sp.name] ?? numericTarget(sp) ?? sp.port));
    }
  }
  if (inline.length === 0 && selector === undefined && (svc.resolution === "DNS" || svc.resolution === "DNS_ROUND_ROBIN") && !svc.hostname.startsWith("*")) {
    for (const sp of svc.ports) {
      out.push({
        hostname: svc.hostname,
        servicePort: sp.port,
        address: svc.hostname,
        port: numericTarget(sp) ?? sp.port,
        labels: {},
        locality: "",
        healthy: true,
        serviceAccount: "",
        weight: undefined,
        workload: undefined,
        sidecar: false,
      });
    }
  }
  return out;
}

function numericTarget(sp: ServicePortInfo): number | undefined {
  return typeof sp.targetPort === "number" && sp.targetPort > 0 ? sp.targetPort : undefined;
}
