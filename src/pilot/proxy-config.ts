// The pod's own ProxyConfig, as Istio takes it: node metadata PROXY_CONFIG (what pilot-agent sends,
// already merged) or the pod's `proxy.istio.io/config` annotation (YAML or JSON), whose fields
// override the mesh's defaultConfig. Only read where Mizzen acts on a field (gatewayTopology).
import { parse } from "yaml";

export const PROXY_CONFIG_ANNOTATION = "proxy.istio.io/config";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The overrides from node metadata; undefined when none or unreadable (the mesh default applies). */
export function proxyConfigFromMetadata(md: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> | undefined {
  if (isRecord(md["PROXY_CONFIG"])) return md["PROXY_CONFIG"];
  const annotations = md["ANNOTATIONS"];
  const text = isRecord(annotations) ? annotations[PROXY_CONFIG_ANNOTATION] : undefined;
  if (typeof text !== "string" || text.trim() === "") return undefined;
  try {
    const v = parse(text) as unknown;
    return isRecord(v) ? v : undefined;
  } catch {
    return undefined; // an unreadable annotation leaves the mesh default, as a missing one does
  }
}

/** gatewayTopology.numTrustedProxies from the pod's ProxyConfig, else the mesh default; 0 when unset. */
export function numTrustedProxies(own: Readonly<Record<string, unknown>> | undefined, meshDefault: unknown): number {
  const pick = (topology: unknown): number | undefined => {
    if (!isRecord(topology)) return undefined;
    const v = topology["numTrustedProxies"];
    const n = typeof v === "string" ? Number(v) : v; // uint32 in proto JSON may be a string
    return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : undefined;
  };
  return pick(own?.["gatewayTopology"]) ?? pick(meshDefault) ?? 0;
}
