import type { KindDefinition } from "../../kind.js";
import { configMapKind } from "./config-map.js";
import { namespaceKind, serviceAccountKind } from "./namespace.js";
import { secretKind } from "./secret.js";
import { serviceKind } from "./service.js";
import { deploymentKind, podKind } from "./workloads.js";

export type { ConfigMap } from "./config-map.js";
export type { Namespace, ServiceAccount } from "./namespace.js";
export type { Secret } from "./secret.js";
export type { Service, ServiceSpec, ServicePort } from "./service.js";
export type { Pod, Deployment, DeploymentSpec } from "./workloads.js";
export type { PodSpec, Container, ContainerPort, EnvVar } from "./pod-spec.js";
export { selectorMatches } from "./label-selector.js";
export { isMeshConfigMap } from "./config-map.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind has its own body type
export const coreKinds: KindDefinition<any>[] = [namespaceKind, serviceKind, serviceAccountKind, podKind, deploymentKind, secretKind, configMapKind];
