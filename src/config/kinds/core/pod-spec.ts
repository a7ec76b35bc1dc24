// The PodSpec as the mesh reads it: containers' name, image, command, args, env and ports are typed
// and checked; every other Kubernetes PodSpec/Container field is accepted as given (loosely typed),
// so real-world pods are not rejected. Field names are still checked, as `kubectl --validate=strict`.
import { z } from "zod";
import { checkDns1123Label, checkDns1123Subdomain, strict } from "../../schema/index.js";
import type { ValidationContext } from "../../kind.js";
import { checkIanaServiceName } from "./names.js";

const loose = z.unknown().optional();
const loosely = (names: readonly string[]): Record<string, typeof loose> => Object.fromEntries(names.map((n) => [n, loose]));

export const protocols = ["TCP", "UDP", "SCTP"] as const;
export const protocol = z.enum(protocols, { error: `protocol must be one of ${protocols.join(", ")}` });

export const containerPort = strict({
  containerPort: z.number().int("must be an integer"),
  name: z.string().optional(),
  protocol: protocol.optional(),
  hostPort: z.number().int("must be an integer").optional(),
  hostIP: z.string().optional(),
});
export type ContainerPort = z.infer<typeof containerPort>;

export const envVar = strict({
  name: z.string(),
  value: z.string().optional(),
  valueFrom: z.record(z.string(), z.unknown()).optional(),
});
export type EnvVar = z.infer<typeof envVar>;

const containerLooseFields = [
  "envFrom", "imagePullPolicy", "lifecycle", "livenessProbe", "readinessProbe", "startupProbe", "resizePolicy", "resources",
  "restartPolicy", "restartPolicyRules", "securityContext", "stdin", "stdinOnce", "terminationMessagePath",
  "terminationMessagePolicy", "tty", "volumeDevices", "volumeMounts", "workingDir",
] as const;

export const container = strict({
  name: z.string(),
  image: z.string().optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z.array(envVar).optional(),
  ports: z.array(containerPort).optional(),
  ...loosely(containerLooseFields),
});
export type Container = z.infer<typeof container>;

const podSpecLooseFields = [
  "activeDeadlineSeconds", "affinity", "automountServiceAccountToken", "dnsConfig", "dnsPolicy", "enableServiceLinks",
  "ephemeralContainers", "hostAliases", "hostIPC", "hostNetwork", "hostPID", "hostUsers", "hostname", "hostnameOverride",
  "imagePullSecrets", "nodeName", "nodeSelector", "os", "overhead", "preemptionPolicy", "priority", "priorityClassName",
  "readinessGates", "resourceClaims", "resources", "restartPolicy", "runtimeClassName", "schedulerName", "schedulingGates",
  "securityContext", "serviceAccount", "setHostnameAsFQDN", "shareProcessNamespace", "subdomain",
  "terminationGracePeriodSeconds", "tolerations", "topologySpreadConstraints", "volumes",
] as const;

export const podSpec = strict({
  containers: z.array(container),
  initContainers: z.array(container).optional(),
  serviceAccountName: z.string().optional(),
  ...loosely(podSpecLooseFields),
});
export type PodSpec = z.infer<typeof podSpec>;

/** Environment variable names: any printable ASCII except '=' (Kubernetes' relaxed rule since 1.30). */
const envName = /^[\x20-\x3c\x3e-\x7e]+$/;

function validateContainer(c: Container, path: string, ctx: ValidationContext): void {
  const nameErr = checkDns1123Label(c.name);
  if (nameErr) ctx.error(`${path}.name`, `container name ${nameErr}`);
  // Kubernetes requires an image; Mizzen's local platform runs `command` as a process instead.
  if (!c.image && !c.command?.length) ctx.error(`${path}.image`, "image is required (or command, for a pod run by the local platform)");
  const envSeen = new Set<string>();
  c.env?.forEach((e, i) => {
    if (!envName.test(e.name)) ctx.error(`${path}.env[${i}].name`, `invalid environment variable name "${e.name}": printable characters other than '=' are allowed`);
    if (e.value !== undefined && e.valueFrom !== undefined) ctx.error(`${path}.env[${i}]`, "only one of value or valueFrom may be set");
    if (envSeen.has(e.name)) ctx.warn(`${path}.env[${i}].name`, `environment variable "${e.name}" is defined more than once; the last one wins`);
    envSeen.add(e.name);
  });
  const portNames = new Set<string>();
  const portKeys = new Set<string>();
  c.ports?.forEach((p, i) => {
    const pp = `${path}.ports[${i}]`;
    if (p.containerPort < 1 || p.containerPort > 65535) ctx.error(`${pp}.containerPort`, "port must be between 1 and 65535");
    if (p.hostPort !== undefined && (p.hostPort < 0 || p.hostPort > 65535)) ctx.error(`${pp}.hostPort`, "port must be between 0 and 65535");
    if (p.name !== undefined) {
      const err = checkIanaServiceName(p.name);
      if (err) ctx.error(`${pp}.name`, err);
      else if (portNames.has(p.name)) ctx.error(`${pp}.name`, `duplicate port name "${p.name}"`);
      portNames.add(p.name);
    }
    const key = `${p.containerPort}/${p.protocol ?? "TCP"}`;
    if (portKeys.has(key)) ctx.warn(`${pp}`, `container port ${key} is listed more than once`);
    portKeys.add(key);
  });
}

/** Checks a PodSpec at `path` ("spec" for a Pod, "spec.template.spec" for a Deployment). */
export function validatePodSpec(spec: PodSpec, path: string, ctx: ValidationContext): void {
  if (spec.containers.length === 0) ctx.error(`${path}.containers`, "at least one container is required");
  const names = new Map<string, string>();
  const all: [Container, string][] = [
    ...spec.containers.map((c, i): [Container, string] => [c, `${path}.containers[${i}]`]),
    ...(spec.initContainers ?? []).map((c, i): [Container, string] => [c, `${path}.initContainers[${i}]`]),
  ];
  for (const [c, p] of all) {
    validateContainer(c, p, ctx);
    const first = names.get(c.name);
    if (first !== undefined) ctx.error(`${p}.name`, `duplicate container name "${c.name}" (also at ${first})`);
    else names.set(c.name, p);
  }
  if (spec.serviceAccountName !== undefined && spec.serviceAccountName !== "") {
    const err = checkDns1123Subdomain(spec.serviceAccountName);
    if (err) ctx.error(`${path}.serviceAccountName`, `service account name ${err}`);
  }
}
