// Service (core v1): the mesh reads its ports (number, name, targetPort, protocol, appProtocol),
// selector, type and clusterIP. Other ServiceSpec fields are accepted loosely.
import { z } from "zod";
import { isIP, labelMap, strict } from "../../schema/index.js";
import type { KindDefinition, ValidationContext } from "../../kind.js";
import type { Resource } from "../../resource.js";
import { protocol } from "./pod-spec.js";
import { checkIanaServiceName } from "./names.js";
import { checkDns1123Label, checkDns1123Subdomain } from "../../schema/index.js";
import { nullFieldsAsUnset } from "./null-fields.js";

export const serviceTypes = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"] as const;

export const servicePort = strict({
  port: z.number().int("must be an integer").min(1, "port must be between 1 and 65535").max(65535, "port must be between 1 and 65535"),
  name: z.string().optional(),
  protocol: protocol.optional(),
  appProtocol: z.string().optional(),
  targetPort: z.union([z.number().int("must be an integer"), z.string()]).optional(),
  nodePort: z.number().int("must be an integer").optional(),
});
export type ServicePort = z.infer<typeof servicePort>;

const loose = z.unknown().optional();

export const serviceSpec = strict({
  ports: z.array(servicePort).optional(),
  selector: labelMap.optional(),
  type: z.enum(serviceTypes, { error: `type must be one of ${serviceTypes.join(", ")}` }).optional(),
  clusterIP: z.string().optional(),
  clusterIPs: z.array(z.string()).optional(),
  externalName: z.string().optional(),
  sessionAffinity: z.enum(["None", "ClientIP"], { error: "sessionAffinity must be one of None, ClientIP" }).optional(),
  allocateLoadBalancerNodePorts: loose,
  externalIPs: z.array(z.string()).optional(),
  externalTrafficPolicy: loose,
  healthCheckNodePort: loose,
  internalTrafficPolicy: loose,
  ipFamilies: loose,
  ipFamilyPolicy: loose,
  loadBalancerClass: loose,
  loadBalancerIP: loose,
  loadBalancerSourceRanges: loose,
  publishNotReadyAddresses: loose,
  sessionAffinityConfig: loose,
  trafficDistribution: loose,
});
export type ServiceSpec = z.infer<typeof serviceSpec>;

const body = strict({ spec: serviceSpec.default({}), status: loose });
export type ServiceBody = z.infer<typeof body>;
export type Service = Resource<ServiceBody>;

function validatePorts(ports: readonly ServicePort[], ctx: ValidationContext): void {
  const names = new Set<string>();
  const keys = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) ctx.error(`${path}.name`, "name is required when a service has more than one port");
    if (p.name) {
      const err = checkDns1123Label(p.name);
      if (err) ctx.error(`${path}.name`, `port name ${err}`);
      else if (names.has(p.name)) ctx.error(`${path}.name`, `duplicate port name "${p.name}"`);
      names.add(p.name);
    }
    const key = `${p.port}/${p.protocol ?? "TCP"}`;
    if (keys.has(key)) ctx.error(`${path}`, `duplicate port ${key}`);
    keys.add(key);
    if (typeof p.targetPort === "number" && (p.targetPort < 1 || p.targetPort > 65535)) {
      ctx.error(`${path}.targetPort`, "targetPort must be between 1 and 65535");
    } else if (typeof p.targetPort === "string") {
      const err = checkIanaServiceName(p.targetPort);
      if (err) ctx.error(`${path}.targetPort`, err);
    }
    if (p.nodePort !== undefined && (p.nodePort < 0 || p.nodePort > 65535)) ctx.error(`${path}.nodePort`, "nodePort must be between 0 and 65535");
    if (p.appProtocol !== undefined && p.appProtocol === "") ctx.error(`${path}.appProtocol`, "appProtocol must not be empty when set");
  });
}

function validate({ spec }: ServiceBody, ctx: ValidationContext): void {
  const type = spec.type ?? "ClusterIP";
  const headless = spec.clusterIP === "None";
  if (type === "ExternalName") {
    if (!spec.externalName) ctx.error("spec.externalName", "externalName is required for type ExternalName");
    else {
      const err = checkDns1123Subdomain(spec.externalName.replace(/\.$/, ""));
      if (err) ctx.error("spec.externalName", `externalName ${err}`);
    }
  } else if (!headless && (spec.ports?.length ?? 0) === 0) {
    ctx.error("spec.ports", "ports are required (unless the service is headless or of type ExternalName)");
  }
  if (headless && type !== "ClusterIP") ctx.error("spec.clusterIP", `clusterIP None (headless) is only allowed with type ClusterIP, not ${type}`);
  if (spec.clusterIP !== undefined && spec.clusterIP !== "" && !headless && !isIP(spec.clusterIP)) {
    ctx.error("spec.clusterIP", `clusterIP "${spec.clusterIP}" must be an IP address, "None" or empty`);
  }
  spec.clusterIPs?.forEach((ip, i) => {
    if (ip !== "None" && !isIP(ip)) ctx.error(`spec.clusterIPs[${i}]`, `"${ip}" must be an IP address or "None"`);
  });
  spec.externalIPs?.forEach((ip, i) => {
    if (!isIP(ip)) ctx.error(`spec.externalIPs[${i}]`, `"${ip}" must be an IP address`);
  });
  if (spec.ports) validatePorts(spec.ports, ctx);
}

export const serviceKind: KindDefinition<ServiceBody> = {
  group: "",
  versions: ["v1"],
  kind: "Service",
  namespaced: true,
  nameRule: "dns1035-label",
  schema: nullFieldsAsUnset(body),
  validate,
};
