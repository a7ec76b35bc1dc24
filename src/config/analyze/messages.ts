// The IST messages Mizzen reports: codes, levels and templates as in Istio's
// pkg/config/analysis/msg/messages.yaml.
import type { Resource } from "../resource.js";
import { goList, quote, type AnalysisMessage, type MessageType } from "./message.js";

function type(code: string, name: string, level: MessageType["level"]): MessageType {
  return { code, name, level };
}

export const MessageTypes = {
  ReferencedResourceNotFound: type("IST0101", "ReferencedResourceNotFound", "Error"),
  SchemaValidationError: type("IST0106", "SchemaValidationError", "Error"),
  ConflictingMeshGatewayVirtualServiceHosts: type("IST0109", "ConflictingMeshGatewayVirtualServiceHosts", "Error"),
  ConflictingSidecarWorkloadSelectors: type("IST0110", "ConflictingSidecarWorkloadSelectors", "Error"),
  MultipleSidecarsWithoutWorkloadSelectors: type("IST0111", "MultipleSidecarsWithoutWorkloadSelectors", "Error"),
  VirtualServiceDestinationPortSelectorRequired: type("IST0112", "VirtualServiceDestinationPortSelectorRequired", "Error"),
  MTLSPolicyConflict: type("IST0113", "MTLSPolicyConflict", "Error"),
  PortNameIsNotUnderNamingConvention: type("IST0118", "PortNameIsNotUnderNamingConvention", "Info"),
  NoMatchingWorkloadsFound: type("IST0127", "NoMatchingWorkloadsFound", "Warning"),
  NoServerCertificateVerificationDestinationLevel: type("IST0128", "NoServerCertificateVerificationDestinationLevel", "Warning"),
  VirtualServiceUnreachableRule: type("IST0130", "VirtualServiceUnreachableRule", "Warning"),
  VirtualServiceHostNotFoundInGateway: type("IST0132", "VirtualServiceHostNotFoundInGateway", "Warning"),
  SchemaWarning: type("IST0133", "SchemaWarning", "Warning"),
  ConflictingGateways: type("IST0145", "ConflictingGateways", "Error"),
  GatewayPortNotDefinedOnService: type("IST0162", "GatewayPortNotDefinedOnService", "Warning"),
} as const;

function msg(t: MessageType, resource: Resource | undefined, text: string): AnalysisMessage {
  return resource ? { type: t, text, resource } : { type: t, text };
}

export const Messages = {
  referencedResourceNotFound: (r: Resource, reftype: string, refval: string) =>
    msg(MessageTypes.ReferencedResourceNotFound, r, `Referenced ${reftype} not found: ${quote(refval)}`),
  schemaValidationError: (r: Resource | undefined, err: string) =>
    msg(MessageTypes.SchemaValidationError, r, `Schema validation error: ${err}`),
  schemaWarning: (r: Resource | undefined, err: string) => msg(MessageTypes.SchemaWarning, r, `Schema validation warning: ${err}`),
  conflictingMeshGatewayVirtualServiceHosts: (r: Resource, virtualServices: string, host: string) =>
    msg(
      MessageTypes.ConflictingMeshGatewayVirtualServiceHosts,
      r,
      `The VirtualServices ${virtualServices} associated with mesh gateway define the same host ${host} which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.`,
    ),
  conflictingSidecarWorkloadSelectors: (r: Resource, sidecars: string[], namespace: string, pod: string) =>
    msg(
      MessageTypes.ConflictingSidecarWorkloadSelectors,
      r,
      `The Sidecars ${goList(sidecars)} in namespace ${quote(namespace)} select the same workload pod ${quote(pod)}, which can lead to undefined behavior.`,
    ),
  multipleSidecarsWithoutWorkloadSelectors: (r: Resource, sidecars: string[], namespace: string) =>
    msg(
      MessageTypes.MultipleSidecarsWithoutWorkloadSelectors,
      r,
      `The Sidecars ${goList(sidecars)} in namespace ${quote(namespace)} have no workload selector, which can lead to undefined behavior.`,
    ),
  virtualServiceDestinationPortSelectorRequired: (r: Resource, host: string, ports: number[]) =>
    msg(
      MessageTypes.VirtualServiceDestinationPortSelectorRequired,
      r,
      `This VirtualService routes to a service ${quote(host)} that exposes multiple ports ${goList(ports)}. Specifying a port in the destination is required to disambiguate.`,
    ),
  mtlsPolicyConflict: (r: Resource, host: string, drName: string, drMtls: boolean, policyName: string, policyMode: string) =>
    msg(
      MessageTypes.MTLSPolicyConflict,
      r,
      `A DestinationRule and Policy are in conflict with regards to mTLS for host ${host}. The DestinationRule ${quote(drName)} specifies that mTLS must be ${String(drMtls)} but the Policy object ${quote(policyName)} specifies ${policyMode}.`,
    ),
  portNameIsNotUnderNamingConvention: (r: Resource, portName: string, port: number, targetPort: string) =>
    msg(
      MessageTypes.PortNameIsNotUnderNamingConvention,
      r,
      `Port name ${portName} (port: ${port}, targetPort: ${targetPort}) doesn't follow the naming convention of Istio port.`,
    ),
  noMatchingWorkloadsFound: (r: Resource, labels: string) =>
    msg(MessageTypes.NoMatchingWorkloadsFound, r, `No matching workloads for this resource with the following labels: ${labels}`),
  noServerCertificateVerificationDestinationLevel: (r: Resource, dr: string, namespace: string, mode: string, host: string) =>
    msg(
      MessageTypes.NoServerCertificateVerificationDestinationLevel,
      r,
      `DestinationRule ${dr} in namespace ${namespace} has TLS mode set to ${mode} but no caCertificates are set to validate server identity for host: ${host}`,
    ),
  virtualServiceUnreachableRule: (r: Resource, ruleno: string, reason: string) =>
    msg(MessageTypes.VirtualServiceUnreachableRule, r, `VirtualService rule ${ruleno} not used (${reason}).`),
  virtualServiceHostNotFoundInGateway: (r: Resource, hosts: string[], vs: string, gateway: string) =>
    msg(
      MessageTypes.VirtualServiceHostNotFoundInGateway,
      r,
      `one or more host ${goList(hosts)} defined in VirtualService ${vs} not found in Gateway ${gateway}.`,
    ),
  conflictingGateways: (r: Resource, gateways: string, selector: string, port: string, hosts: string) =>
    msg(
      MessageTypes.ConflictingGateways,
      r,
      `Conflict with gateways ${gateways} (workload selector ${selector}, port ${port}, hosts ${hosts}).`,
    ),
  gatewayPortNotDefinedOnService: (r: Resource, port: number, selector: string) =>
    msg(
      MessageTypes.GatewayPortNotDefinedOnService,
      r,
      `The gateway is listening on a target port (port ${port}) that is not defined in the Service associated with its workload instances (Pod selector ${selector}). If you need to access the gateway port through the gateway Service, it will not be available.`,
    ),
};
