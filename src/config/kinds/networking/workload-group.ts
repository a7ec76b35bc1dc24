// WorkloadGroup (istio/api networking/v1alpha3/workload_group.proto): a template for WorkloadEntries.
import { z } from "zod";
import type { ValidationContext } from "../../kind.js";
import type { Resource } from "../../resource.js";
import { int32, labelMap, strict, stringMap, uint32 } from "../../schema/index.js";
import { checkPort } from "./checks.js";
import { defineNetworkingKind, istioBody, oneOf } from "./common.js";
import { specScope } from "./scope.js";
import { workloadEntrySpec } from "./workload-entry.js";

const nonNegative = int32.min(0, "must be non-negative");

export const readinessProbe = strict({
  initialDelaySeconds: nonNegative.optional(),
  timeoutSeconds: nonNegative.optional(),
  periodSeconds: nonNegative.optional(),
  successThreshold: nonNegative.optional(),
  failureThreshold: nonNegative.optional(),
  httpGet: strict({
    path: z.string().optional(),
    port: uint32,
    host: z.string().optional(),
    scheme: z.string().optional(),
    httpHeaders: z.array(strict({ name: z.string().optional(), value: z.string().optional() })).optional(),
  }).optional(),
  tcpSocket: strict({ host: z.string().optional(), port: uint32 }).optional(),
  exec: strict({ command: z.array(z.string()) }).optional(),
  grpc: strict({ port: uint32.optional(), service: z.string().optional() }).optional(),
}).superRefine(oneOf(["httpGet", "tcpSocket", "exec", "grpc"], "probe"));

export const workloadGroupSpec = strict({
  metadata: strict({ labels: labelMap.optional(), annotations: stringMap.optional() }).optional(),
  template: workloadEntrySpec,
  probe: readinessProbe.optional(),
});
export type WorkloadGroupSpec = z.infer<typeof workloadGroupSpec>;
export const workloadGroupBody = istioBody(workloadGroupSpec);
export type WorkloadGroupBody = z.infer<typeof workloadGroupBody>;
export type WorkloadGroup = Resource<WorkloadGroupBody>;

function validateWorkloadGroup(body: WorkloadGroupBody, ctx: ValidationContext): void {
  const s = specScope(ctx);
  // The template's address is filled in per workload, so it is not required here (as in Istio).
  const probe = body.spec.probe;
  if (!probe) return;
  const p = s.at("probe");
  if (probe.httpGet) {
    checkPort(p, probe.httpGet.port, "httpGet", "port");
    const scheme = probe.httpGet.scheme;
    if (scheme && scheme !== "HTTP" && scheme !== "HTTPS") p.error('httpGet.scheme must be one of "HTTPS", "HTTP"', "httpGet", "scheme");
    (probe.httpGet.httpHeaders ?? []).forEach((h, i) => {
      if (!h.name) p.error("header name cannot be empty", "httpGet", "httpHeaders", i, "name");
      else if (!/^[-A-Za-z0-9]+$/.test(h.name)) p.error(`header name ${h.name} is not a valid header name`, "httpGet", "httpHeaders", i, "name");
    });
  } else if (probe.tcpSocket) {
    checkPort(p, probe.tcpSocket.port, "tcpSocket", "port");
  } else if (probe.exec) {
    if (probe.exec.command.length === 0) p.error("exec.command is required", "exec", "command");
  } else if (!probe.grpc) {
    p.error("probe needs one of httpGet, tcpSocket, exec or grpc");
  }
}

export const workloadGroupKind = defineNetworkingKind("WorkloadGroup", workloadGroupBody, validateWorkloadGroup);
