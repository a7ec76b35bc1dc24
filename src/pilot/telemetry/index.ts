// Telemetry API translation: entry point for the listener generators (see README.md).
import type { Telemetry } from "../../config/kinds/telemetry/index.js";
import type { MeshConfig } from "../../config/mesh/mesh-config.js";
import type { ExtensionProvider } from "../../config/mesh/extension-providers.js";
import type { SecurityWorkload } from "../security/policy-selection.js";
import { effectiveTelemetry } from "./effective.js";
import { telemetryFragments, type TelemetryFragments, type TelemetryProxyIdentity } from "./envoy-fragments.js";
import { proxyMaxPathTagLength, proxyTracingTags, tracingSampling } from "../proxy-config.js";

export { effectiveTelemetry, applicableTelemetry, type EffectiveTelemetry } from "./effective.js";
export { telemetryFragments, type TelemetryFragments, type TelemetryProxyIdentity, type TelemetryMeshSettings } from "./envoy-fragments.js";

export interface ProxyTelemetryInput {
  telemetries: readonly Telemetry[];
  mesh: MeshConfig;
  workload: SecurityWorkload;
  identity: TelemetryProxyIdentity;
  /** The pod's own ProxyConfig (node metadata or its proxy.istio.io/config annotation). */
  proxyConfig?: Readonly<Record<string, unknown>> | undefined;
}

/** Access logs, tracing and the stats filter for a proxy's inbound and outbound HCMs. */
export function telemetryForProxy(i: ProxyTelemetryInput): { inbound: TelemetryFragments; outbound: TelemetryFragments } {
  const m = i.mesh;
  const eff = effectiveTelemetry(i.telemetries, i.workload, m.rootNamespace ?? "istio-system", m.defaultProviders ?? {});
  const settings = {
    extensionProviders: (m.extensionProviders ?? []) as ExtensionProvider[],
    accessLogFile: m.accessLogFile,
    accessLogEncoding: m.accessLogEncoding === "JSON" ? "JSON" as const : "TEXT" as const,
    accessLogFormat: m.accessLogFormat,
    enableTracing: m.enableTracing,
    defaultSampling: tracingSampling(i.proxyConfig, m.defaultConfig),
    proxyCustomTags: proxyTracingTags(i.proxyConfig, m.defaultConfig),
    maxPathTagLength: proxyMaxPathTagLength(i.proxyConfig, m.defaultConfig),
  };
  return {
    inbound: telemetryFragments(eff, "inbound", settings, i.identity),
    outbound: telemetryFragments(eff, "outbound", settings, i.identity),
  };
}
