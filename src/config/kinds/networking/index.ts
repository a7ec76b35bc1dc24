// Istio's networking.istio.io kinds: schemas, types and semantic validation.
import type { KindDefinition } from "../../kind.js";
import { destinationRuleKind } from "./destination-rule.js";
import { gatewayKind } from "./gateway.js";
import { serviceEntryKind } from "./service-entry.js";
import { sidecarKind } from "./sidecar.js";
import { virtualServiceKind } from "./virtual-service.js";
import { workloadEntryKind } from "./workload-entry.js";
import { workloadGroupKind } from "./workload-group.js";

export type { DestinationRule, DestinationRuleSpec, TrafficPolicy } from "./destination-rule.js";
export type { Gateway, GatewayServer, GatewaySpec } from "./gateway.js";
export type { ServiceEntry, ServiceEntrySpec } from "./service-entry.js";
export type { Sidecar, SidecarSpec } from "./sidecar.js";
export type { HTTPMatchRequest, HTTPRoute, TCPRoute, TLSRoute, VirtualService, VirtualServiceSpec } from "./virtual-service.js";
export type { WorkloadEntry, WorkloadEntrySpec } from "./workload-entry.js";
export type { WorkloadGroup, WorkloadGroupSpec } from "./workload-group.js";
export type { Destination, Headers, ServerTlsSettings, ServicePort } from "./common.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind has its own body type
export const networkingKinds: KindDefinition<any>[] = [
  virtualServiceKind,
  destinationRuleKind,
  gatewayKind,
  serviceEntryKind,
  sidecarKind,
  workloadEntryKind,
  workloadGroupKind,
];
