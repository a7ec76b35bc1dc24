// What every analyzer sees: the input resources with the lookups analyzers share (kinds, services,
// workloads from Pods and Deployment pod templates, destination host resolution), and a report sink.
import type { Resource } from "../resource.js";
import { hostSubsetOf, toFqdn, DOMAIN_SUFFIX } from "./hosts.js";
import type { AnalysisMessage } from "./message.js";
import { asArray, specOf, type DeploymentSpecView, type ServiceEntrySpecView, type ServiceSpecView } from "./views.js";

export interface Workload {
  /** `namespace/name` of the pod, or of the Deployment whose template it is. */
  name: string;
  namespace: string;
  labels: Record<string, string>;
  resource: Resource;
}

export interface ResolvedHost {
  /** Service or ServiceEntry that provides the host. */
  resource: Resource;
  ports: number[];
}

export class AnalysisContext {
  readonly messages: AnalysisMessage[] = [];
  private readonly byKind = new Map<string, Resource[]>();
  private workloadCache: Workload[] | undefined;

  constructor(resources: readonly Resource[]) {
    for (const r of resources) {
      const list = this.byKind.get(r.kind) ?? [];
      list.push(r);
      this.byKind.set(r.kind, list);
    }
  }

  report(m: AnalysisMessage): void {
    this.messages.push(m);
  }

  list(kind: string): Resource[] {
    return this.byKind.get(kind) ?? [];
  }

  find(kind: string, namespace: string | undefined, name: string): Resource | undefined {
    return this.list(kind).find((r) => r.metadata.name === name && (r.metadata.namespace ?? "") === (namespace ?? ""));
  }

  /** Pods, plus one workload per Deployment for its pod template (the pods it would create). */
  workloads(): Workload[] {
    if (this.workloadCache) return this.workloadCache;
    const out: Workload[] = [];
    for (const pod of this.list("Pod")) {
      const ns = pod.metadata.namespace ?? "default";
      out.push({ name: `${ns}/${pod.metadata.name}`, namespace: ns, labels: pod.metadata.labels ?? {}, resource: pod });
    }
    for (const d of this.list("Deployment")) {
      const ns = d.metadata.namespace ?? "default";
      const labels = specOf<DeploymentSpecView>(d).template?.metadata?.labels ?? {};
      out.push({ name: `${ns}/${d.metadata.name}`, namespace: ns, labels, resource: d });
    }
    this.workloadCache = out;
    return out;
  }

  /**
   * The Service or ServiceEntry that a destination host written in namespace `fromNamespace`
   * refers to, as Istio resolves it (short names relative to that namespace; ServiceEntry
   * wildcard hosts; ServiceEntry exportTo).
   */
  resolveHost(host: string, fromNamespace: string): ResolvedHost | undefined {
    const fqdn = toFqdn(host, fromNamespace);
    for (const svc of this.list("Service")) {
      const ns = svc.metadata.namespace ?? "default";
      if (`${svc.metadata.name}.${ns}.${DOMAIN_SUFFIX}` === fqdn) {
        const ports = asArray(specOf<ServiceSpecView>(svc).ports)
          .map((p) => p.port)
          .filter((p): p is number => typeof p === "number");
        return { resource: svc, ports };
      }
    }
    for (const se of this.list("ServiceEntry")) {
      const spec = specOf<ServiceEntrySpecView>(se);
      const seNs = se.metadata.namespace ?? "default";
      if (!exportedTo(spec.exportTo, seNs, fromNamespace)) continue;
      for (const h of asArray(spec.hosts)) {
        if (hostSubsetOf(fqdn, toFqdn(h, seNs))) {
          const ports = asArray(spec.ports)
            .map((p) => p.number)
            .filter((p): p is number => typeof p === "number");
          return { resource: se, ports };
        }
      }
    }
    return undefined;
  }
}

/** Istio's exportTo: unset or `*` means every namespace, `.` the resource's own namespace. */
export function exportedTo(exportTo: string[] | undefined, ownNamespace: string, toNamespace: string): boolean {
  if (!exportTo || exportTo.length === 0) return true;
  return exportTo.some((e) => e === "*" || (e === "." ? ownNamespace === toNamespace : e === toNamespace));
}
