// ServiceEntry (istio/api networking/v1alpha3/service_entry.proto) and Istio's checks.
import { z } from "zod";
import type { ValidationContext } from "../../kind.js";
import type { Resource } from "../../resource.js";
import { checkCidrOrIp, checkFqdn, checkWildcardHost, strict } from "../../schema/index.js";
import { checkExportToList, checkLabelsSelector, checkPort, checkPortNameValue, checkPortProtocol, isHttpProtocol, isTlsProtocol } from "./checks.js";
import { defineNetworkingKind, istioBody, labelsSelector, servicePort } from "./common.js";
import { specScope, type Scope } from "./scope.js";
import { checkWorkloadEntry, workloadEntrySpec } from "./workload-entry.js";

export const serviceEntrySpec = strict({
  hosts: z.array(z.string()),
  addresses: z.array(z.string()).optional(),
  ports: z.array(servicePort).optional(),
  location: z.enum(["MESH_EXTERNAL", "MESH_INTERNAL"]).optional(),
  resolution: z.enum(["NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS"]).optional(),
  endpoints: z.array(workloadEntrySpec).optional(),
  workloadSelector: labelsSelector.optional(),
  exportTo: z.array(z.string()).optional(),
  subjectAltNames: z.array(z.string()).optional(),
});
export type ServiceEntrySpec = z.infer<typeof serviceEntrySpec>;
export const serviceEntryBody = istioBody(serviceEntrySpec);
export type ServiceEntryBody = z.infer<typeof serviceEntryBody>;
export type ServiceEntry = Resource<ServiceEntryBody>;

function checkPorts(s: Scope, spec: ServiceEntrySpec, autoAllocate: boolean): Set<string> {
  const names = new Set<string>();
  const numbers = new Set<number>();
  (spec.ports ?? []).forEach((p, i) => {
    const ps = s.at("ports", i);
    const name = p.name ?? "";
    if (name === "") ps.error("port name is required", "name");
    else if (names.has(name)) ps.error(`service entry port name "${name}" already defined`, "name");
    names.add(name);
    const n = p.number ?? 0;
    if (numbers.has(n)) ps.error(`service entry port ${n} already defined`, "number");
    numbers.add(n);
    checkPort(ps, p.number, "number");
    if (p.targetPort !== undefined && p.targetPort !== 0) checkPort(ps, p.targetPort, "targetPort");
    checkPortNameValue(ps, p.name, "name");
    checkPortProtocol(ps, p.protocol, "protocol");
    if ((spec.addresses ?? []).length === 0 && !autoAllocate && (!p.protocol || p.protocol.toUpperCase() === "TCP")) {
      ps.warn("addresses are required for ports serving TCP (or unset) protocol when IP auto-allocation is not enabled", "protocol");
    }
  });
  return names;
}

function validateServiceEntry(body: ServiceEntryBody, ctx: ValidationContext): void {
  const spec = body.spec;
  const s = specScope(ctx);
  const resolution = spec.resolution ?? "NONE";
  checkLabelsSelector(s.at("workloadSelector"), spec.workloadSelector, "service entry");
  if (spec.workloadSelector && spec.endpoints) s.error("only one of workloadSelector or endpoints is allowed in a service entry", "endpoints");
  if (spec.hosts.length === 0) s.error("service entry must have at least one host", "hosts");
  spec.hosts.forEach((h, i) => {
    if (h === "*") {
      s.error("invalid host *: a service entry must name hosts", "hosts", i);
      return;
    }
    s.check(checkWildcardHost(h), "hosts", i);
    if (resolution !== "DYNAMIC_DNS" && h.includes("*") && !h.startsWith("*.")) s.warn(`partial wildcard "${h}" not allowed`, "hosts", i);
  });
  let cidr = false;
  (spec.addresses ?? []).forEach((a, i) => {
    cidr ||= a.includes("/");
    s.check(checkCidrOrIp(a), "addresses", i);
  });
  if (cidr && resolution !== "NONE" && resolution !== "STATIC") s.error("CIDR addresses are allowed only for NONE/STATIC resolution", "addresses");
  // IP auto-allocation is off by default in Istio, so TCP ports without addresses are warned about.
  const portNames = checkPorts(s, spec, false);
  const endpoints = spec.endpoints ?? [];
  switch (resolution) {
    case "NONE":
      if (endpoints.length > 0) s.error("no endpoints should be provided for resolution NONE", "endpoints");
      if (spec.workloadSelector) s.warn("workloadSelector should not be set when resolution is NONE", "workloadSelector");
      break;
    case "STATIC":
      endpoints.forEach((e, i) => checkWorkloadEntry(s.at("endpoints", i), e, portNames, false));
      break;
    case "DNS":
    case "DNS_ROUND_ROBIN":
      if (endpoints.length === 0) {
        const bad = spec.hosts.findIndex((h) => h !== "*" && checkFqdn(h) !== undefined);
        if (bad >= 0) s.error(`hosts must be FQDNs without wildcards when no endpoints are provided for resolution ${resolution}`, "hosts", bad);
      }
      if (resolution === "DNS_ROUND_ROBIN" && endpoints.length > 1) s.error(`there must be 0 or 1 endpoint for resolution ${resolution}`, "endpoints");
      endpoints.forEach((e, i) => checkWorkloadEntry(s.at("endpoints", i), e, portNames, true));
      break;
    case "DYNAMIC_DNS":
      spec.hosts.forEach((h, i) => {
        if (!h.startsWith("*")) s.error(`host must be wildcarded for resolution ${resolution}`, "hosts", i);
      });
      if ((spec.addresses ?? []).length > 0) s.error(`addresses cannot be set for resolution ${resolution}`, "addresses");
      if (endpoints.length > 0) s.error(`endpoints cannot be set for resolution ${resolution}`, "endpoints");
      (spec.ports ?? []).forEach((p, i) => {
        const proto = (p.protocol ?? "").toUpperCase();
        if (!["HTTP", "TLS", "GRPC", "HTTP2"].includes(proto)) s.error(`only HTTP, TLS, GRPC and HTTP2 protocols are supported for resolution ${resolution}`, "ports", i, "protocol");
      });
      break;
  }
  // Plain TCP cannot tell hosts apart, so several hosts need HTTP or TLS ports unless resolution is NONE.
  if (resolution !== "NONE" && spec.hosts.length > 1) {
    const i = (spec.ports ?? []).findIndex((p) => !isHttpProtocol(p.protocol) && !isTlsProtocol(p.protocol));
    if (i >= 0) s.error("multiple hosts provided with non-HTTP, non-TLS ports", "ports", i);
  }
  checkExportToList(s.at("exportTo"), spec.exportTo, true);
}

export const serviceEntryKind = defineNetworkingKind("ServiceEntry", serviceEntryBody, validateServiceEntry);
