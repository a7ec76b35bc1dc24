// An HTTP connection manager's `tracing` config (Envoy's HttpConnectionManager.Tracing with a
// Zipkin or OpenTelemetry provider, as Istio's pilot emits it): per request, continue the
// caller's trace (B3 or traceparent) or start one, decide sampling as Envoy does (force-trace
// header, then the carried decision, then random_sampling), hand the next hop our span as its
// parent, and when the request completes record a span with Istio's tags.
import { MizzenError } from "../../errors.js";
import type { HttpStream } from "../../proxy/http/filters/http-filter.js";
import type { HttpRequestRecord } from "../../proxy/http/request-record.js";
import { getProxyTelemetry } from "../proxy-telemetry.js";
import { extractContext, injectContext, newSpanId, newTraceId } from "./trace-context.js";
import { endpointIp, type Span, type SpanSink } from "./span.js";
import { sharedExporter } from "./exporter.js";
import { resolveCollectorCluster } from "./collector-resolver.js";

export const ZIPKIN_CONFIG_TYPE = "type.googleapis.com/envoy.config.trace.v3.ZipkinConfig";
export const OTEL_CONFIG_TYPE = "type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig";

type TagSource = { literal: string } | { header: string; dflt: string } | { env: string; dflt: string };

interface ActiveSpan {
  traceId: string;
  spanId: string;
  parentId: string;
  sampled: boolean;
  userAgent: string;
  headerTags: [string, string][];
}

const active = new WeakMap<HttpRequestRecord, ActiveSpan>();

function obj(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? v as Record<string, unknown> : null;
}

function bad(field: string, why: string): MizzenError {
  return new MizzenError("MIZZEN_ERR_XDS_INVALID", `${field}: ${why}`);
}

function percent(v: unknown, field: string, dflt: number): number {
  const o = obj(v);
  if (o === null) return dflt;
  const n = Number(o["value"] ?? 0);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw bad(`${field}.value`, "must be a percentage 0..100");
  return n;
}

/** Where spans go: the sink of the provider (an exporter, or a store in tests and the demo). */
let sinkOverride: SpanSink | null = null;
/** Sends every span to `sink` instead of the configured collectors (the local demo's store, tests). */
export function setSpanSinkOverride(sink: SpanSink | null): void {
  sinkOverride = sink;
}

function compileProvider(p: unknown, field: string): SpanSink | null {
  const po = obj(p);
  if (po === null) return null;
  const tc = obj(po["typed_config"]) ?? {};
  const type = tc["@type"];
  if (type === ZIPKIN_CONFIG_TYPE) {
    const cluster = String(tc["collector_cluster"] ?? "");
    const addr = resolveCollectorCluster(cluster);
    if (addr === null) throw bad(`${field}.typed_config.collector_cluster`, `cannot resolve collector cluster ${JSON.stringify(cluster)}`);
    const path = typeof tc["collector_endpoint"] === "string" && tc["collector_endpoint"] !== "" ? tc["collector_endpoint"] : "/api/v2/spans";
    return sharedExporter({ host: addr.host, port: addr.port, path, format: "zipkin" });
  }
  if (type === OTEL_CONFIG_TYPE) {
    const hs = obj(tc["http_service"]);
    const uri = obj(hs?.["http_uri"]);
    if (uri === null) throw bad(`${field}.typed_config.http_service`, "only OTLP over HTTP (http_service.http_uri) is supported");
    let url: URL;
    try { url = new URL(String(uri["uri"] ?? "")); } catch { throw bad(`${field}.typed_config.http_service.http_uri.uri`, "is not a URL"); }
    const addr = resolveCollectorCluster(String(uri["cluster"] ?? "")) ?? { host: url.hostname, port: Number(url.port || 80) };
    return sharedExporter({ host: addr.host, port: addr.port, path: url.pathname || "/v1/traces", format: "otlp" });
  }
  throw bad(`${field}.typed_config.@type`, `unsupported tracer ${JSON.stringify(type)}`);
}

export class HcmTracing {
  constructor(
    readonly randomPercent: number,
    private readonly sink: SpanSink | null,
    private readonly tags: readonly [string, TagSource][],
    private readonly maxPathTagLength: number,
  ) {}

  onRequest(ex: HttpStream): void {
    const h = ex.headers;
    const { ctx, sampled } = extractContext(h);
    let decision: boolean;
    if (h.has("x-envoy-force-trace")) decision = true;
    else if (sampled !== null) decision = sampled;
    else decision = this.randomPercent >= 100 || Math.random() * 100 < this.randomPercent;
    const traceId = ctx?.traceId ?? newTraceId();
    const spanId = newSpanId();
    const parentId = ctx?.parentSpanId ?? "";
    injectContext(h, traceId, spanId, parentId, decision);
    const headerTags: [string, string][] = [];
    for (const [tag, src] of this.tags) if ("header" in src) headerTags.push([tag, h.get(src.header) ?? src.dflt]);
    active.set(ex.record, { traceId, spanId, parentId, sampled: decision, userAgent: h.get("user-agent") ?? "", headerTags });
  }

  onComplete(r: HttpRequestRecord): void {
    const a = active.get(r);
    if (a === undefined) return;
    active.delete(r);
    if (!a.sampled) return;
    const sink = sinkOverride ?? this.sink;
    if (sink === null) return;
    const inbound = r.statPrefix.startsWith("inbound");
    const literal: Record<string, string> = {};
    for (const [tag, src] of this.tags) {
      if ("literal" in src) literal[tag] = src.literal;
      else if ("env" in src) literal[tag] = process.env[src.env] ?? src.dflt;
    }
    const node = getProxyTelemetry()?.node;
    const tags: Record<string, string> = {
      component: "proxy",
      node_id: node?.id ?? "",
      "http.url": `http://${r.authority}${r.path}`.slice(0, this.maxPathTagLength + 8 + r.authority.length),
      "http.method": r.method,
      "http.protocol": r.protocol,
      "http.status_code": String(r.status),
      response_flags: r.flagString(),
      response_size: String(r.bytesSent),
      request_size: String(r.bytesReceived),
      upstream_cluster: r.cluster || "-",
      "upstream_cluster.name": r.cluster || "-",
      "peer.address": r.downstreamRemoteAddress,
      guid: r.requestId,
      "x-request-id": r.requestId,
      user_agent: a.userAgent || "-",
      ...literal,
    };
    for (const [k, v] of a.headerTags) tags[k] = v;
    if (r.status >= 500 || r.status === 0) tags["error"] = "true";
    const service = literal["istio.canonical_service"] !== undefined && literal["istio.namespace"] !== undefined
      ? `${literal["istio.canonical_service"]}.${literal["istio.namespace"]}`
      : node !== undefined ? `${node.canonicalService}.${node.namespace}` : "mizzen-proxy";
    const span: Span = {
      traceId: a.traceId, id: a.spanId, name: `${r.authority}${r.path.split("?")[0] ?? ""}`.slice(0, 256),
      kind: inbound ? "SERVER" : "CLIENT",
      timestamp: Math.round(r.startTime * 1000), duration: Math.max(1, Math.round(r.durationMs * 1000)),
      localEndpoint: { serviceName: service }, tags,
    };
    if (a.parentId !== "") span.parentId = a.parentId;
    const remote = endpointIp(inbound ? r.downstreamRemoteAddress : r.upstreamHost);
    if (remote !== undefined) span.remoteEndpoint = remote;
    sink.add(span);
  }
}

function compileTags(list: unknown, field: string): [string, TagSource][] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw bad(field, "must be a list");
  return list.map((t: unknown, i) => {
    const o = obj(t) ?? {};
    const tag = String(o["tag"] ?? "");
    if (tag === "") throw bad(`${field}[${i}].tag`, "is required");
    const lit = obj(o["literal"]);
    if (lit !== null) return [tag, { literal: String(lit["value"] ?? "") }];
    const rh = obj(o["request_header"]);
    if (rh !== null) return [tag, { header: String(rh["name"] ?? "").toLowerCase(), dflt: String(rh["default_value"] ?? "") }];
    const env = obj(o["environment"]);
    if (env !== null) return [tag, { env: String(env["name"] ?? ""), dflt: String(env["default_value"] ?? "") }];
    throw bad(`${field}[${i}]`, "needs literal, request_header or environment");
  });
}

/** null when the HCM has no tracing. */
export function compileHcmTracing(v: unknown, field: string): HcmTracing | null {
  if (v === undefined || v === null) return null;
  const o = obj(v);
  if (o === null) throw bad(field, "must be an object");
  const random = percent(o["random_sampling"], `${field}.random_sampling`, 100);
  const overall = percent(o["overall_sampling"], `${field}.overall_sampling`, 100);
  return new HcmTracing(Math.min(random, overall), compileProvider(o["provider"], `${field}.provider`),
    compileTags(o["custom_tags"], `${field}.custom_tags`), Number(o["max_path_tag_length"] ?? 256));
}
