// The pod's own ProxyConfig, as Istio takes it: node metadata PROXY_CONFIG (what pilot-agent sends,
// already merged) or the pod's `proxy.istio.io/config` annotation (YAML or JSON), whose fields
// override the mesh's defaultConfig. Only read where Mizzen acts on a field (gatewayTopology,
// tracing: sampling, customTags, maxPathTagLength; terminationDrainDuration; proxyHeaders).
import { parse } from "yaml";
import { proxyConfig as proxyConfigSchema } from "../config/mesh/proxy-config.js";
import { withJsonFieldNames } from "../config/mesh/proto-field-names.js";
import { parseDurationMs } from "../config/schema/duration.js";
import type { CustomTag } from "../config/kinds/telemetry/index.js";

export const PROXY_CONFIG_ANNOTATION = "proxy.istio.io/config";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The overrides from node metadata; undefined when none or unreadable (the mesh default applies). */
export function proxyConfigFromMetadata(md: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> | undefined {
  // Proto JSON: fields may come by their proto names (num_trusted_proxies) as well.
  const named = (v: Record<string, unknown>): Record<string, unknown> => withJsonFieldNames(v, proxyConfigSchema) as Record<string, unknown>;
  if (isRecord(md["PROXY_CONFIG"])) return named(md["PROXY_CONFIG"]);
  const annotations = md["ANNOTATIONS"];
  const text = isRecord(annotations) ? annotations[PROXY_CONFIG_ANNOTATION] : undefined;
  if (typeof text !== "string" || text.trim() === "") return undefined;
  try {
    const v = parse(text) as unknown;
    return isRecord(v) ? named(v) : undefined;
  } catch {
    return undefined; // an unreadable annotation leaves the mesh default, as a missing one does
  }
}

/** The number at `path` in a ProxyConfig (proto JSON may write 64-bit and unsigned ints as strings). */
function numberAt(config: unknown, path: readonly string[]): number | undefined {
  let v: unknown = config;
  for (const k of path) v = isRecord(v) ? v[k] : undefined;
  const n = typeof v === "string" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

/** `numberAt` on the pod's ProxyConfig where `ok`, else on the mesh default's. */
function ownOrMesh(own: unknown, meshDefault: unknown, path: readonly string[], ok: (n: number) => boolean): number | undefined {
  const pick = (c: unknown): number | undefined => { const n = numberAt(c, path); return n !== undefined && ok(n) ? n : undefined; };
  return pick(own) ?? pick(meshDefault);
}

/** gatewayTopology.numTrustedProxies from the pod's ProxyConfig, else the mesh default; 0 when unset. */
export function numTrustedProxies(own: Readonly<Record<string, unknown>> | undefined, meshDefault: unknown): number {
  // meshDefault is the mesh's gatewayTopology itself.
  return ownOrMesh(own?.["gatewayTopology"], meshDefault, ["numTrustedProxies"], (n) => Number.isInteger(n) && n >= 0) ?? 0;
}

/** Istio's trace sampling default (PILOT_TRACE_SAMPLING), percent. */
export const DEFAULT_TRACE_SAMPLING = 1;

/**
 * The random trace sampling percentage a proxy's ProxyConfig gives, as Istio reads it: the pod's
 * tracing.sampling, else the mesh default's; 0 or unset means Istio's default of 1 %, and a value
 * above 100 falls back to 1 % too. (A Telemetry resource's randomSamplingPercentage wins over this.)
 */
export function tracingSampling(own: Readonly<Record<string, unknown>> | undefined, meshDefault: unknown): number {
  const sampling = ownOrMesh(own, meshDefault, ["tracing", "sampling"], (n) => n !== 0) ?? DEFAULT_TRACE_SAMPLING;
  return sampling > 100 ? DEFAULT_TRACE_SAMPLING : sampling;
}

/** A span tag from ProxyConfig tracing.customTags: Telemetry's CustomTag without the formatter. */
export type ProxyCustomTag = Omit<CustomTag, "formatter">;

function tagsOf(config: unknown): Record<string, ProxyCustomTag> {
  const tracing = isRecord(config) ? config["tracing"] : undefined;
  const tags = isRecord(tracing) ? tracing["customTags"] : undefined;
  const out: Record<string, ProxyCustomTag> = {};
  if (!isRecord(tags)) return out;
  const str = (v: unknown): v is string => typeof v === "string";
  for (const [name, t] of Object.entries(tags)) {
    if (!isRecord(t)) continue;
    const { literal, environment, header } = t;
    if (isRecord(literal) && str(literal["value"])) out[name] = { literal: { value: literal["value"] } };
    else if (isRecord(environment) && str(environment["name"])) out[name] = { environment: { name: environment["name"], ...(str(environment["defaultValue"]) ? { defaultValue: environment["defaultValue"] } : {}) } };
    else if (isRecord(header) && str(header["name"])) out[name] = { header: { name: header["name"], ...(str(header["defaultValue"]) ? { defaultValue: header["defaultValue"] } : {}) } };
  }
  return out;
}

/**
 * ProxyConfig tracing.customTags, the pod's merged over the mesh default's (map entries merge, as
 * proto merging does). Istio adds them to spans when no Telemetry resource names custom tags.
 */
export function proxyTracingTags(own: Readonly<Record<string, unknown>> | undefined, meshDefault: unknown): Record<string, ProxyCustomTag> {
  return { ...tagsOf(meshDefault), ...tagsOf(own) };
}

/** ProxyConfig tracing.maxPathTagLength (the pod's, else the mesh default's); undefined when unset or 0. */
export function proxyMaxPathTagLength(own: Readonly<Record<string, unknown>> | undefined, meshDefault: unknown): number | undefined {
  return ownOrMesh(own, meshDefault, ["tracing", "maxPathTagLength"], (n) => Number.isInteger(n) && n > 0);
}

/** Istio's default ProxyConfig.terminationDrainDuration (5s). */
export const DEFAULT_TERMINATION_DRAIN_MS = 5000;

/**
 * ProxyConfig terminationDrainDuration in ms (the pod's, else the mesh default's, else 5 s): how
 * long pilot-agent lets the proxy drain after SIGTERM before it stops it. A value that is not a
 * duration is skipped, as a missing one is.
 */
export function terminationDrainMs(own: Readonly<Record<string, unknown>> | undefined, meshDefault: unknown): number {
  const pick = (c: unknown): number | undefined => {
    const v = isRecord(c) ? c["terminationDrainDuration"] : undefined;
    return typeof v === "string" ? parseDurationMs(v) : undefined;
  };
  return pick(own) ?? pick(meshDefault) ?? DEFAULT_TERMINATION_DRAIN_MS;
}

/** What ProxyConfig proxyHeaders asks of a connection manager (Istio's GetProxyHeadersFromProxyConfig). */
export interface ProxyHeaderOptions {
  /** server_name; undefined = Envoy's default ("envoy"). */
  readonly serverName?: string;
  /** server_header_transformation PASS_THROUGH (proxyHeaders.server.disabled). */
  readonly serverPassThrough?: boolean;
  /** The router's suppress_envoy_headers (proxyHeaders.envoyDebugHeaders.disabled). */
  readonly suppressEnvoyHeaders?: boolean;
  /** generate_request_id false (proxyHeaders.requestId.disabled). */
  readonly noRequestId?: boolean;
  /** Virtual hosts without include_request_attempt_count (proxyHeaders.attemptCount.disabled). */
  readonly noAttemptCount?: boolean;
}

function field(c: unknown, ...path: string[]): unknown {
  let v: unknown = c;
  for (const k of path) v = isRecord(v) ? v[k] : undefined;
  return v;
}

/** A BoolValue as YAML writes it (`disabled: true`) or as proto JSON may (`{value: true}`). */
function isTrue(v: unknown): boolean {
  return v === true || (isRecord(v) && v["value"] === true);
}

/**
 * The proxy headers of an HCM, as Istio sets them: inbound and gateway listeners name the server
 * "istio-envoy", outbound ones keep Envoy's "envoy"; ProxyConfig proxyHeaders (each header's
 * setting from the pod's ProxyConfig, else the mesh default's) may rename or disable the server
 * header and disable x-request-id generation, x-envoy-attempt-count and Envoy's debug headers.
 */
export function proxyHeaderOptions(own: Readonly<Record<string, unknown>> | undefined, meshDefault: unknown, listener: "inbound" | "outbound" | "gateway"): ProxyHeaderOptions {
  const pick = (name: string): unknown => field(own, "proxyHeaders", name) ?? field(meshDefault, "proxyHeaders", name);
  const server = pick("server");
  const value = field(server, "value");
  const out: { -readonly [K in keyof ProxyHeaderOptions]: ProxyHeaderOptions[K] } = {};
  if (isTrue(field(server, "disabled"))) out.serverPassThrough = true;
  else if (typeof value === "string" && value !== "") out.serverName = value;
  else if (listener !== "outbound") out.serverName = "istio-envoy";
  if (isTrue(field(pick("envoyDebugHeaders"), "disabled"))) out.suppressEnvoyHeaders = true;
  if (isTrue(field(pick("requestId"), "disabled"))) out.noRequestId = true;
  if (isTrue(field(pick("attemptCount"), "disabled"))) out.noAttemptCount = true;
  return out;
}
