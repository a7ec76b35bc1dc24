// Workloads from Pods (with an address in status.podIP), WorkloadEntries, and the platform's live
// updates; Deployment templates become workloads once the platform gives their replicas addresses.
import type { Deployment, Pod } from "../config/kinds/core/index.js";
import type { WorkloadEntry, WorkloadGroup } from "../config/kinds/networking/index.js";
import type { PodSpec } from "../config/kinds/core/index.js";
import type { Workload, WorkloadInput } from "./model.js";

/** Kubernetes' and Istio's locality labels, joined as "region/zone/subzone". */
export function localityFromLabels(labels: Readonly<Record<string, string>>): string {
  const istio = labels["istio-locality"];
  if (istio !== undefined) return istio.replaceAll(".", "/");
  const region = labels["topology.kubernetes.io/region"] ?? "";
  const zone = labels["topology.kubernetes.io/zone"] ?? "";
  const sub = labels["topology.istio.io/subzone"] ?? "";
  return region === "" && zone === "" && sub === "" ? "" : `${region}/${zone}/${sub}`;
}

export function namedContainerPorts(spec: PodSpec): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of spec.containers) for (const p of c.ports ?? []) if (p.name) out[p.name] = p.containerPort;
  return out;
}

/** Istio's opt-out: a pod annotated sidecar.istio.io/inject: "false" runs without a sidecar. */
function hasSidecar(annotations: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  return (annotations?.["sidecar.istio.io/inject"] ?? labels["sidecar.istio.io/inject"]) !== "false";
}

function podStatus(pod: Pod): { ip?: string; ready: boolean } {
  const status = pod.status as { podIP?: unknown; conditions?: { type?: unknown; status?: unknown }[] } | undefined;
  const ip = typeof status?.podIP === "string" && status.podIP !== "" ? status.podIP : undefined;
  const readyCond = Array.isArray(status?.conditions) ? status.conditions.find((c) => c?.type === "Ready") : undefined;
  const ready = readyCond === undefined ? true : readyCond.status === "True";
  return ip === undefined ? { ready } : { ip, ready };
}

/** A Pod from the config store; undefined while it has no address. */
export function workloadFromPod(pod: Pod): Workload | undefined {
  const { ip, ready } = podStatus(pod);
  if (ip === undefined) return undefined;
  const labels = pod.metadata.labels ?? {};
  return {
    name: pod.metadata.name,
    namespace: pod.metadata.namespace ?? "default",
    kind: "Pod",
    address: ip,
    labels,
    serviceAccount: pod.spec.serviceAccountName ?? "default",
    locality: localityFromLabels(labels),
    ready,
    sidecar: hasSidecar(pod.metadata.annotations, labels),
    namedPorts: namedContainerPorts(pod.spec),
    weight: undefined,
  };
}

export function workloadFromEntry(we: WorkloadEntry): Workload | undefined {
  const address = we.spec.address;
  if (address === undefined || address === "") return undefined;
  const labels = { ...(we.metadata.labels ?? {}), ...(we.spec.labels ?? {}) };
  return {
    name: we.metadata.name,
    namespace: we.metadata.namespace ?? "default",
    kind: "WorkloadEntry",
    address,
    labels,
    serviceAccount: we.spec.serviceAccount ?? "default",
    locality: we.spec.locality ?? localityFromLabels(labels),
    ready: true,
    sidecar: true,
    namedPorts: we.spec.ports ?? {},
    weight: we.spec.weight,
  };
}

export function workloadFromInput(w: WorkloadInput, group?: WorkloadGroup): Workload {
  const t = group?.spec.template;
  const labels = { ...(group?.spec.metadata?.labels ?? {}), ...(t?.labels ?? {}), ...(w.labels ?? {}) };
  return {
    name: w.name,
    namespace: w.namespace,
    kind: group ? "WorkloadEntry" : "Pod",
    address: w.address,
    labels,
    serviceAccount: w.serviceAccount ?? t?.serviceAccount ?? "default",
    locality: w.locality ?? t?.locality ?? localityFromLabels(labels),
    ready: w.ready ?? true,
    sidecar: w.sidecar ?? true,
    namedPorts: { ...(t?.ports ?? {}), ...(w.namedPorts ?? {}) },
    weight: t?.weight,
  };
}

/**
 * The pods of a Deployment once the platform has given them addresses: one per address (at most
 * `replicas`, default 1), named `<deployment>-<index>`, with the template's labels and ports.
 */
export function workloadsFromDeployment(d: Deployment, addresses: readonly string[]): WorkloadInput[] {
  const replicas = d.spec.replicas ?? 1;
  const labels = d.spec.template.metadata?.labels ?? {};
  const annotations = d.spec.template.metadata?.annotations;
  return addresses.slice(0, replicas).map((address, i) => ({
    name: `${d.metadata.name}-${i}`,
    namespace: d.metadata.namespace ?? "default",
    address,
    labels: { ...labels },
    serviceAccount: d.spec.template.spec.serviceAccountName ?? "default",
    locality: localityFromLabels(labels),
    ready: true,
    sidecar: hasSidecar(annotations, labels),
    namedPorts: namedContainerPorts(d.spec.template.spec),
  }));
}
