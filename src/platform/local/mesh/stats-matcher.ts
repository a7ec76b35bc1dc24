// The stats_matcher pilot-agent writes into every proxy's bootstrap: Istio's minimal set of Envoy
// stats (what its readiness, draining and dashboards need), plus, for each of prefixes, suffixes and
// regexps, the pod's sidecar.istio.io/statsInclusion* annotation (comma-separated; Istio's older
// form, still what its fortio sample uses) or else ProxyConfig.proxyStatsMatcher from the pod's
// proxy.istio.io/config annotation or the mesh's defaultConfig (a list set by the pod replaces the
// mesh's list, as Istio's merge of the annotation does). `{pod_ip}` in a pattern becomes the pod's
// address (the pod's bootstrap, `bootstrap.ts`). Istio's own metrics are not Envoy stats in Mizzen and
// are never filtered.
import { readFileSync } from "node:fs";
import type { EnvoyJson } from "../../../proxy/contracts.js";
import type { Resource } from "../../../config/resource.js";
import { decodeMeshConfig, meshConfigFromConfigMap, type ConfigMapLike } from "../../../config/mesh/index.js";
import { proxyConfigFromMetadata } from "../../../pilot/proxy-config.js";

/** pilot-agent's required prefixes ("reporter=" and "component" are Istio's v2 metrics). */
const PREFIXES = ["reporter=", "cluster_manager", "listener_manager", "server", "cluster.xds-grpc", "wasm", "component"];
/** RBAC decisions, and downstream_cx_active (draining). */
const SUFFIXES = ["rbac.allowed", "rbac.denied", "shadow_allowed", "shadow_denied", "downstream_cx_active"];
/** Stats named by a VirtualService route's stat_prefix. */
const REGEXPS = ["vhost\\..*\\.route\\..*"];

type Lists = { inclusionPrefixes?: unknown; inclusionSuffixes?: unknown; inclusionRegexps?: unknown };

const ANNOTATIONS: Record<keyof Lists, string> = {
  inclusionPrefixes: "sidecar.istio.io/statsInclusionPrefixes",
  inclusionSuffixes: "sidecar.istio.io/statsInclusionSuffixes",
  inclusionRegexps: "sidecar.istio.io/statsInclusionRegexps",
};

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined;
}

function matcherOf(config: unknown): Lists {
  const m = typeof config === "object" && config !== null ? (config as { proxyStatsMatcher?: unknown }).proxyStatsMatcher : undefined;
  return typeof m === "object" && m !== null ? m as Lists : {};
}

/** The bootstrap's stats_matcher for a proxy, given the mesh's defaultConfig and the pod's annotations. */
export function istioStatsMatcher(meshDefaultConfig: unknown, annotations: Readonly<Record<string, string>> = {}): EnvoyJson {
  const mesh = matcherOf(meshDefaultConfig);
  const pod = matcherOf(proxyConfigFromMetadata({ ANNOTATIONS: annotations }));
  // As pilot-agent: a non-empty annotation wins, else the ProxyConfig list; Istio's own list is added.
  const annotated = (k: keyof Lists): string[] | undefined => {
    const text = annotations[ANNOTATIONS[k]];
    return text === undefined || text === "" ? undefined : text.split(",");
  };
  const pick = (k: keyof Lists): string[] => annotated(k) ?? strings(pod[k]) ?? strings(mesh[k]) ?? [];
  const patterns: EnvoyJson[] = [
    ...[...pick("inclusionPrefixes"), ...PREFIXES].map((prefix) => ({ prefix })),
    ...[...pick("inclusionSuffixes"), ...SUFFIXES].map((suffix) => ({ suffix })),
    ...[...pick("inclusionRegexps"), ...REGEXPS].map((regex) => ({ safe_regex: { regex } })),
  ];
  return { inclusion_list: { patterns } };
}

/**
 * The mesh's defaultConfig as `mizzen up` starts it: from the --mesh-config file, else from the
 * `istio` ConfigMap in istio-system among the resources, else Istio's default (undefined here).
 */
export function meshDefaultConfig(meshConfigFile: string | undefined, resources: readonly Resource[]): unknown {
  if (meshConfigFile !== undefined) {
    try {
      return decodeMeshConfig(readFileSync(meshConfigFile, "utf8"), meshConfigFile).mesh.defaultConfig;
    } catch {
      return undefined; // the control plane reports an unreadable mesh config
    }
  }
  const cm = resources.find((r) => r.kind === "ConfigMap" && r.metadata.name === "istio" && r.metadata.namespace === "istio-system");
  return cm === undefined ? undefined : meshConfigFromConfigMap(cm as unknown as ConfigMapLike).mesh.defaultConfig;
}
