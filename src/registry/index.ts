// The registry: one Kubernetes-shaped model of services, workloads and endpoints for every platform.
export { Registry, RegistrySnapshot, type RegistryOptions, type RegistryListener } from "./registry.js";
export type { Endpoint, ExportTo, MeshService, ServicePortInfo, ServiceResolution, Workload, WorkloadInput } from "./model.js";
export { isHttp2Protocol, isHttpProtocol, isTlsProtocol, parseProtocol, servicePortProtocol, type Protocol } from "./protocol.js";
export { EXPORT_TO_ANNOTATION, isExportedTo, parseExportTo } from "./export-to.js";
export { DEFAULT_DOMAIN_SUFFIX, serviceHostname } from "./services.js";
export { SERVICE_ENTRY_VIP_BASE, SERVICE_VIP_BASE } from "./vip-allocator.js";
export { workloadsFromDeployment, localityFromLabels } from "./workloads.js";
