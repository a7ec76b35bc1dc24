// How long a pod's proxy drains when the pod stops, as pilot-agent does on SIGTERM: ProxyConfig
// terminationDrainDuration from the pod's proxy.istio.io/config annotation, else the mesh's
// defaultConfig, else Istio's 5s. The proxy ends its drain early once its last connection closes
// (like pilot-agent's EXIT_ON_ZERO_ACTIVE_CONNECTIONS); the platform waits that long plus a margin
// before it kills the process.
import type { ContainerSpec } from "../container-process.js";
import { proxyConfigFromMetadata, terminationDrainMs } from "../../../pilot/proxy-config.js";

/** Time after the drain for the proxy to close its listeners and the agent to exit. */
const EXIT_MARGIN_MS = 3000;

/** The proxy's drain in whole seconds (`mizzen proxy --drain-time-s`), rounded up. */
export function proxyDrainSeconds(meshDefaultConfig: unknown, annotations: Readonly<Record<string, string>> = {}): number {
  const ms = terminationDrainMs(proxyConfigFromMetadata({ ANNOTATIONS: annotations }), meshDefaultConfig);
  return Math.min(3600, Math.ceil(ms / 1000));
}

/** Sets a proxy container's drain (MIZZEN_DRAIN_S for the pod agent) and its stop grace to match. */
export function withProxyDrain(spec: ContainerSpec, meshDefaultConfig: unknown, annotations: Readonly<Record<string, string>> | undefined): ContainerSpec {
  const seconds = proxyDrainSeconds(meshDefaultConfig, annotations);
  spec.env = { ...spec.env, MIZZEN_DRAIN_S: String(seconds) };
  spec.stopGraceMs = seconds * 1000 + EXIT_MARGIN_MS;
  return spec;
}
