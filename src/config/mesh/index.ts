// MeshConfig: schema, Istio's defaults, decoding (file or ConfigMap `istio`) and validation.
export { meshConfigSchema, outboundTrafficModes, type MeshConfig, type OutboundTrafficMode } from "./mesh-config.js";
export type { ProxyConfig } from "./proxy-config.js";
export type { ExtensionProvider, ProviderKind } from "./extension-providers.js";
export type { HttpRetry, LocalityLbSetting } from "./networking-types.js";
export { defaultMeshConfig, defaultRetryOn } from "./defaults.js";
export { decodeMeshConfig, meshConfigFromConfigMap, mergeMeshConfig, type MeshConfigResult, type ConfigMapLike } from "./decode-mesh.js";
export { validateMeshConfig, checkTrustDomain, type MeshProblem } from "./validate-mesh.js";
