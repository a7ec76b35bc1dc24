// Control-plane side: puts the Telemetry API's Envoy fragments into every HTTP connection
// manager of a proxy's listeners — istio.stats first in http_filters, access_log and tracing —
// after the other generators and the mTLS pass have built them. Inbound HCMs are those whose
// stat_prefix starts with "inbound" (the proxy reads the reporter from it); gateways report as
// clients (reporter="source"), as Istio's do.
import type { EnvoyJson } from "../../pilot/envoy.js";
import { HCM_TYPE } from "../../pilot/envoy.js";
import type { ProxyScope } from "../../pilot/scope.js";
import { telemetryForProxy, type TelemetryFragments, type TelemetryProxyIdentity } from "../../pilot/telemetry/index.js";
import { STATS_PLUGIN_TYPE } from "../stats/plugin-config.js";
import { toTypedStruct } from "./typed-struct-filter.js";

/** Istio's canonical service/revision defaults from pod labels. */
export function telemetryIdentity(scope: ProxyScope): TelemetryProxyIdentity {
  const l = scope.proxy.labels;
  const mesh = scope.push.mesh as { trustDomain?: string; defaultConfig?: { meshId?: string } };
  return {
    canonicalService: l["service.istio.io/canonical-name"] ?? l["app.kubernetes.io/name"] ?? l["app"] ?? scope.proxy.name,
    canonicalRevision: l["service.istio.io/canonical-revision"] ?? l["app.kubernetes.io/version"] ?? l["version"] ?? "latest",
    namespace: scope.proxy.namespace,
    meshId: mesh.defaultConfig?.meshId ?? mesh.trustDomain ?? "cluster.local",
    clusterId: "Kubernetes",
  };
}

function withTelemetry(hcm: EnvoyJson, f: TelemetryFragments): EnvoyJson {
  const out: EnvoyJson = { ...hcm };
  const own = ((hcm["http_filters"] as EnvoyJson[] | undefined) ?? []).filter((h) => h["name"] !== "istio.stats");
  const stats = f.http_filters.map((h) => {
    const tc = h["typed_config"] as EnvoyJson | undefined;
    return tc?.["@type"] === STATS_PLUGIN_TYPE ? { ...h, typed_config: toTypedStruct(tc) } : h;
  });
  if (stats.length > 0 || own.length > 0) out["http_filters"] = [...stats, ...own];
  if (f.access_log.length > 0 && hcm["access_log"] === undefined) out["access_log"] = f.access_log;
  if (f.tracing !== undefined && hcm["tracing"] === undefined) out["tracing"] = f.tracing;
  return out;
}

/** Rewrites the HCMs of `listeners` in place; returns the translation's warnings. */
export function applyMeshTelemetry(scope: ProxyScope, listeners: EnvoyJson[]): string[] {
  const t = telemetryForProxy({
    telemetries: scope.push.telemetries,
    mesh: scope.push.mesh,
    workload: { namespace: scope.proxy.namespace, labels: scope.proxy.labels },
    identity: telemetryIdentity(scope),
    proxyConfig: scope.proxy.proxyConfig,
  });
  const router = scope.proxy.type === "router";
  for (const l of listeners) {
    for (const chain of (l["filter_chains"] as EnvoyJson[] | undefined) ?? []) {
      const filters = chain["filters"] as EnvoyJson[] | undefined;
      if (filters === undefined) continue;
      chain["filters"] = filters.map((nf) => {
        const tc = nf["typed_config"] as EnvoyJson | undefined;
        if (tc?.["@type"] !== HCM_TYPE) return nf;
        const inbound = !router && String(tc["stat_prefix"] ?? "").startsWith("inbound");
        return { ...nf, typed_config: withTelemetry(tc, inbound ? t.inbound : t.outbound) };
      });
    }
  }
  return [...new Set([...t.inbound.warnings, ...t.outbound.warnings])];
}
