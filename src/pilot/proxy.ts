// The proxy model: who is asking for config. Node ids follow Istio's form
// `<type>~<ip>~<pod>.<ns>~<ns>.svc.cluster.local` (type "sidecar" or "router").
import { MizzenError } from "../errors.js";
import type { Workload } from "../registry/index.js";
import { proxyConfigFromMetadata } from "./proxy-config.js";

export type ProxyType = "sidecar" | "router";
export type InterceptionMode = "REDIRECT" | "TPROXY" | "NONE";

export interface Proxy {
  readonly type: ProxyType;
  readonly id: string;
  readonly ip: string;
  /** Pod (or gateway) name and namespace, from the node id's `<pod>.<ns>` part. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly interceptionMode: InterceptionMode;
  /** Where the app listens for inbound traffic the sidecar forwards (Istio: 127.0.0.1). */
  readonly inboundAppAddress: string;
  /** "region/zone/subzone" from the node's locality or its workload; "" when unknown. */
  readonly locality: string;
  /** The forward-proxy (HTTP_PROXY) port from node metadata HTTP_PROXY_PORT; undefined when unset. */
  readonly httpProxyPort: number | undefined;
  /** The pod's ProxyConfig overrides (PROXY_CONFIG metadata or the proxy.istio.io/config annotation). */
  readonly proxyConfig?: Readonly<Record<string, unknown>>;
}

export const ProxyErrorCode = { BadNodeId: "MIZZEN_ERR_PILOT_BAD_NODE_ID" } as const;

export interface ParsedNodeId {
  type: ProxyType;
  ip: string;
  name: string;
  namespace: string;
  domain: string;
}

/** Parses an Istio node id; throws MIZZEN_ERR_PILOT_BAD_NODE_ID when it is not of that form. */
export function parseNodeId(id: string): ParsedNodeId {
  const parts = id.split("~");
  const [type, ip, podNs, domain] = parts;
  if (parts.length !== 4 || (type !== "sidecar" && type !== "router") || !ip || !podNs) {
    throw new MizzenError(ProxyErrorCode.BadNodeId, `node id "${id}" is not <sidecar|router>~<ip>~<pod>.<namespace>~<domain>`);
  }
  const dot = podNs.lastIndexOf(".");
  const name = dot > 0 ? podNs.slice(0, dot) : podNs;
  const fromDomain = (domain ?? "").split(".")[0] ?? "";
  const namespace = dot > 0 ? podNs.slice(dot + 1) : fromDomain || "default";
  return { type, ip, name, namespace, domain: domain ?? "" };
}

export function nodeId(type: ProxyType, ip: string, name: string, namespace: string, domainSuffix = "cluster.local"): string {
  return `${type}~${ip}~${name}.${namespace}~${namespace}.svc.${domainSuffix}`;
}

function stringRecord(v: unknown): Record<string, string> | undefined {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
  return out;
}

/**
 * A proxy from its xDS node (id + Istio's metadata keys NAMESPACE, LABELS, SERVICE_ACCOUNT,
 * INTERCEPTION_MODE, and Mizzen's INBOUND_APP_ADDRESS); the registry's workload at the proxy's IP
 * fills what the metadata leaves out.
 */
export function proxyFromNode(node: { id: string; metadata?: Record<string, unknown>; locality?: Record<string, unknown> }, workload?: Workload): Proxy {
  const parsed = parseNodeId(node.id);
  const md = node.metadata ?? {};
  const labels = stringRecord(md["LABELS"]) ?? workload?.labels ?? {};
  const mode = md["INTERCEPTION_MODE"];
  const sa = md["SERVICE_ACCOUNT"];
  const ns = md["NAMESPACE"];
  const app = md["INBOUND_APP_ADDRESS"];
  const proxyConfig = proxyConfigFromMetadata(md);
  return {
    type: parsed.type,
    id: node.id,
    ip: parsed.ip,
    name: parsed.name,
    namespace: typeof ns === "string" && ns !== "" ? ns : parsed.namespace,
    labels,
    serviceAccount: typeof sa === "string" && sa !== "" ? sa : workload?.serviceAccount ?? "default",
    interceptionMode: mode === "TPROXY" || mode === "NONE" ? mode : "REDIRECT",
    inboundAppAddress: typeof app === "string" && app !== "" ? app : "127.0.0.1",
    locality: nodeLocality(node.locality) ?? workload?.locality ?? "",
    httpProxyPort: portValue(md["HTTP_PROXY_PORT"]),
    ...(proxyConfig !== undefined ? { proxyConfig } : {}),
  };
}

function nodeLocality(l: Record<string, unknown> | undefined): string | undefined {
  if (!l) return undefined;
  const part = (k: string): string => (typeof l[k] === "string" ? (l[k] as string) : "");
  const text = `${part("region")}/${part("zone")}/${part("sub_zone") || part("subZone")}`;
  return text === "//" ? undefined : text;
}

/** Node metadata values are strings in Istio ("15080"); numbers are accepted too. */
function portValue(v: unknown): number | undefined {
  const n = typeof v === "number" ? v : typeof v === "string" && v !== "" ? Number(v) : NaN;
  return Number.isInteger(n) && n > 0 && n <= 65535 ? n : undefined;
}
