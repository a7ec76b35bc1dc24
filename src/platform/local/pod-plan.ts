// Deployments → the pods to run: each replica a pod named as Kubernetes names them, with the
// template's labels, service account and containers (command + args, env, ports). Addresses are
// given later, when the pod is scheduled (see address-pool.ts).
import type { Deployment } from "../../config/kinds/core/index.js";
import { MizzenError } from "../../errors.js";
import { podName, randomSuffix, templateHash } from "./pod-names.js";

export interface PlannedContainer {
  name: string;
  /** command followed by args; empty when the manifest gave neither (an error at launch). */
  argv: string[];
  env: Record<string, string>;
  ports: { containerPort: number; name?: string; protocol?: string }[];
}

export interface PodPlan {
  name: string;
  namespace: string;
  deployment: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  serviceAccount: string;
  containers: PlannedContainer[];
}

/** Kubernetes' command/args: without command, args alone cannot run here (there is no image entrypoint). */
function containerArgv(c: { name: string; command?: string[]; args?: string[] }, where: string): string[] {
  if (!c.command || c.command.length === 0) {
    throw new MizzenError("MIZZEN_ERR_POD_COMMAND", `${where}: container "${c.name}" has no command; the local platform runs command + args as a process (image is ignored)`);
  }
  return [...c.command, ...(c.args ?? [])];
}

export function planDeployment(d: Deployment, random: () => number = Math.random): PodPlan[] {
  const namespace = d.metadata.namespace ?? "default";
  const where = `Deployment ${namespace}/${d.metadata.name}${d.source ? ` (${d.source.file}:${d.source.line})` : ""}`;
  const template = d.spec.template;
  const hash = templateHash(template);
  const containers = template.spec.containers.map((c) => ({
    name: c.name,
    argv: containerArgv(c, where),
    env: Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string])),
    ports: (c.ports ?? []).map((p) => ({ containerPort: p.containerPort, ...(p.name ? { name: p.name } : {}), ...(p.protocol ? { protocol: p.protocol } : {}) })),
  }));
  const replicas = d.spec.replicas ?? 1;
  const used = new Set<string>();
  const pods: PodPlan[] = [];
  for (let i = 0; i < replicas; i++) {
    let name = podName(d.metadata.name, hash, randomSuffix(random));
    for (let tries = 0; used.has(name) && tries < 20; tries++) name = podName(d.metadata.name, hash, randomSuffix(random));
    used.add(name);
    pods.push({
      name,
      namespace,
      deployment: d.metadata.name,
      labels: { ...(template.metadata?.labels ?? {}), "pod-template-hash": hash },
      annotations: { ...(template.metadata?.annotations ?? {}) },
      serviceAccount: template.spec.serviceAccountName ?? "default",
      containers,
    });
  }
  return pods;
}
