// The fields analyzers read, as structural views over decoded resources. Every field is optional so
// analyzers tolerate every shape a kind allows (and unit tests can build partial resources); the
// conformance check at the end keeps the views in step with the kinds' exported types.
import type { Resource } from "../resource.js";
import type { DestinationRuleSpec, GatewaySpec, ServiceEntrySpec, SidecarSpec, VirtualServiceSpec } from "../kinds/networking/index.js";
import type { DeploymentSpec, ServiceSpec } from "../kinds/core/index.js";
import type { PeerAuthenticationSpec } from "../kinds/security/index.js";

export interface PortSelectorView {
  number?: number;
}
export interface DestinationView {
  host?: string;
  subset?: string;
  port?: PortSelectorView;
}
export interface RouteDestinationView {
  destination?: DestinationView;
}
export interface HttpRouteView {
  name?: string;
  match?: Record<string, unknown>[];
  route?: RouteDestinationView[];
  mirror?: DestinationView;
}
export interface VirtualServiceSpecView {
  hosts?: string[];
  gateways?: string[];
  exportTo?: string[];
  http?: HttpRouteView[];
  tcp?: { route?: RouteDestinationView[] }[];
  tls?: { route?: RouteDestinationView[] }[];
}

export interface ClientTlsView {
  mode?: string;
  caCertificates?: string;
  credentialName?: string;
  insecureSkipVerify?: boolean;
}
export interface TrafficPolicyView {
  tls?: ClientTlsView;
  portLevelSettings?: { port?: PortSelectorView; tls?: ClientTlsView }[];
}
export interface DestinationRuleSpecView {
  host?: string;
  subsets?: { name?: string; trafficPolicy?: TrafficPolicyView }[];
  trafficPolicy?: TrafficPolicyView;
  exportTo?: string[];
}

export interface GatewayServerView {
  port?: { number?: number; name?: string; protocol?: string };
  hosts?: string[];
  tls?: { mode?: string; credentialName?: string };
}
export interface GatewaySpecView {
  selector?: Record<string, string>;
  servers?: GatewayServerView[];
}

export interface ServiceEntrySpecView {
  hosts?: string[];
  ports?: { number?: number; name?: string; protocol?: string }[];
  exportTo?: string[];
}

export interface SidecarSpecView {
  workloadSelector?: { labels?: Record<string, string> };
}

export interface WorkloadSelectorView {
  matchLabels?: Record<string, string>;
}
export interface PeerAuthenticationSpecView {
  selector?: WorkloadSelectorView;
  mtls?: { mode?: string };
  portLevelMtls?: Record<string, { mode?: string }>;
}
export interface SelectorSpecView {
  selector?: WorkloadSelectorView;
}

export interface ServicePortView {
  name?: string;
  port?: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}
export interface ServiceSpecView {
  type?: string;
  selector?: Record<string, string>;
  ports?: ServicePortView[];
}

export interface PodTemplateView {
  metadata?: { labels?: Record<string, string> };
}
export interface DeploymentSpecView {
  template?: PodTemplateView;
}

/** The `spec` of a resource as a view; an absent or non-object spec reads as empty. */
export function specOf<T extends object>(r: Resource): T {
  const spec = (r as Record<string, unknown>).spec;
  return (spec && typeof spec === "object" ? spec : {}) as T;
}

export function asArray<T>(v: T[] | undefined): T[] {
  return Array.isArray(v) ? v : [];
}

// Compile-time conformance: each decoded kind's exported type must be readable through its view,
// so a change in a kind's fields that the analyzers depend on breaks the build here.

type ReadableAs<View, Actual extends View> = Actual;
export type ViewConformance = [
  ReadableAs<VirtualServiceSpecView, VirtualServiceSpec>,
  ReadableAs<DestinationRuleSpecView, DestinationRuleSpec>,
  ReadableAs<GatewaySpecView, GatewaySpec>,
  ReadableAs<ServiceEntrySpecView, ServiceEntrySpec>,
  ReadableAs<SidecarSpecView, SidecarSpec>,
  ReadableAs<PeerAuthenticationSpecView, PeerAuthenticationSpec>,
  ReadableAs<ServiceSpecView, ServiceSpec>,
  ReadableAs<DeploymentSpecView, DeploymentSpec>,
];
