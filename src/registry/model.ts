// The registry's Kubernetes-shaped model: services, workloads and endpoints, whatever the platform.
import type { Protocol } from "./protocol.js";

export interface ServicePortInfo {
  /** Port name ("http", "tcp-db", …); may be empty for a single unnamed port. */
  readonly name: string;
  readonly port: number;
  readonly protocol: Protocol;
  /** Kubernetes targetPort (number or container port name), or a ServiceEntry port's targetPort. */
  readonly targetPort: number | string | undefined;
}

export type ServiceResolution = "CLIENT_SIDE_LB" | "PASSTHROUGH" | "DNS" | "DNS_ROUND_ROBIN";

/** exportTo as a set of namespaces; "*" for every namespace. "~" (none) is an empty set. */
export type ExportTo = "*" | ReadonlySet<string>;

export interface MeshService {
  /** FQDN: `<name>.<ns>.svc.cluster.local` or a ServiceEntry host. */
  readonly hostname: string;
  readonly namespace: string;
  /** The Service or ServiceEntry name. */
  readonly name: string;
  readonly kind: "Service" | "ServiceEntry";
  /** VIP; undefined when the service has none (headless, ServiceEntry NONE without addresses, wildcard hosts). */
  readonly address: string | undefined;
  readonly ports: readonly ServicePortInfo[];
  readonly exportTo: ExportTo;
  readonly location: "MESH_INTERNAL" | "MESH_EXTERNAL";
  readonly resolution: ServiceResolution;
}

export interface Workload {
  readonly name: string;
  readonly namespace: string;
  readonly kind: "Pod" | "WorkloadEntry";
  readonly address: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  /** "region/zone/subzone" (any part may be empty). */
  readonly locality: string;
  readonly ready: boolean;
  /** Whether the workload runs a Mizzen sidecar (mTLS capable). */
  readonly sidecar: boolean;
  /** Named ports (container port names or WorkloadEntry `ports`): name → number. */
  readonly namedPorts: Readonly<Record<string, number>>;
  readonly weight: number | undefined;
}

export interface Endpoint {
  readonly hostname: string;
  /** The service port this endpoint serves. */
  readonly servicePort: number;
  /** IP address, or a DNS name for ServiceEntry DNS resolution. */
  readonly address: string;
  readonly port: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly locality: string;
  readonly healthy: boolean;
  readonly serviceAccount: string;
  readonly weight: number | undefined;
  /** The workload behind the endpoint ("ns/name"), when there is one. */
  readonly workload: string | undefined;
  readonly sidecar: boolean;
}

/** What the platform hands the registry for a live workload (a pod it started). */
export interface WorkloadInput {
  name: string;
  namespace: string;
  address: string;
  labels?: Record<string, string>;
  serviceAccount?: string;
  locality?: string;
  ready?: boolean;
  sidecar?: boolean;
  namedPorts?: Record<string, number>;
  /**
   * A WorkloadGroup of the same namespace whose template fills what this input leaves out (labels
   * merge, the input's win), as Istio's auto-registration makes WorkloadEntries from a group.
   */
  group?: string;
}

export function workloadKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
