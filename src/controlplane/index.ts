// The control-plane process and its parts.
export { ControlPlane, type ControlPlaneOptions } from "./control-plane.js";
export { PushDebouncer, type PushRequest } from "./debouncer.js";
export { pushTypes } from "./push-types.js";
export { LiveWorkloads, decodeWorkloadUpdate, type Workload, type WorkloadUpdate } from "./model/live-workloads.js";
export { buildMeshModel, fqdn, type MeshModel } from "./model/mesh-model.js";
export { ProxylessGenerator } from "./proxyless/generator.js";
export type { LastChange, ProxySync } from "./sync-observer.js";
