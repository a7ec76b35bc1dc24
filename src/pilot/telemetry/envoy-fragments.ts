// Envoy JSON for an effective Telemetry, per traffic direction: the HCM's access_log entries
// and tracing block, and the istio.stats HTTP filter (stats.PluginConfig with the metric
// overrides). Providers come from MeshConfig.extensionProviders; a provider the Mizzen proxy
// cannot run (OTLP over gRPC, ALS, Stackdriver …) is left out with a warning rather than
// emitted for the proxy to reject.
import type { EnvoyJson } from "../envoy.js";
import type { ExtensionProvider } from "../../config/mesh/extension-providers.js";
import type { CustomTag, MetricsOverrides } from "../../config/kinds/telemetry/index.js";
import type { ProxyCustomTag } from "../proxy-config.js";
import { compileCelFilter } from "../../telemetry/access-log/cel-filter.js";
import { ISTIO_JSON_FORMAT, ISTIO_TEXT_FORMAT } from "../../telemetry/access-log/formats.js";
import { FILE_ACCESS_LOG_TYPE, CEL_FILTER_TYPE } from "../../telemetry/access-log/http-access-log.js";
import { STATS_PLUGIN_TYPE, compilePluginConfig } from "../../telemetry/stats/plugin-config.js";
import { ZIPKIN_CONFIG_TYPE, OTEL_CONFIG_TYPE } from "../../telemetry/tracing/hcm-tracing.js";
import type { EffectiveTelemetry, TelemetryMode } from "./effective.js";

export interface TelemetryMeshSettings {
  extensionProviders: readonly ExtensionProvider[];
  /** MeshConfig.accessLogFile / accessLogEncoding / accessLogFormat (the pre-Telemetry-API switch). */
  accessLogFile?: string | undefined;
  accessLogEncoding?: "TEXT" | "JSON" | undefined;
  accessLogFormat?: string | undefined;
  enableTracing?: boolean | undefined;
  /** tracing.sampling of the proxy's ProxyConfig (pod annotation, else defaultConfig), percent; Istio's default 1. */
  defaultSampling?: number | undefined;
  /** ProxyConfig tracing.customTags (pod over mesh): span tags when no Telemetry resource names any. */
  proxyCustomTags?: Readonly<Record<string, ProxyCustomTag>> | undefined;
  /** ProxyConfig tracing.maxPathTagLength; undefined = Envoy's 256. */
  maxPathTagLength?: number | undefined;
}

/** The proxy's own identity for Istio's span tags. */
export interface TelemetryProxyIdentity {
  canonicalService: string;
  canonicalRevision: string;
  namespace: string;
  meshId: string;
  clusterId: string;
}

export interface TelemetryFragments {
  access_log: EnvoyJson[];
  tracing: EnvoyJson | undefined;
  /** HTTP filters to put before the router (istio.stats when metrics go to Prometheus). */
  http_filters: EnvoyJson[];
  warnings: string[];
}

const METRIC_SHORT: Record<string, string> = {
  REQUEST_COUNT: "requests_total", REQUEST_DURATION: "request_duration_milliseconds", REQUEST_SIZE: "request_bytes",
  RESPONSE_SIZE: "response_bytes", TCP_OPENED_CONNECTIONS: "tcp_connections_opened_total", TCP_CLOSED_CONNECTIONS: "tcp_connections_closed_total",
  TCP_SENT_BYTES: "tcp_sent_bytes_total", TCP_RECEIVED_BYTES: "tcp_received_bytes_total",
  GRPC_REQUEST_MESSAGES: "request_messages_total", GRPC_RESPONSE_MESSAGES: "response_messages_total",
};

function provider(mesh: TelemetryMeshSettings, name: string): ExtensionProvider | undefined {
  return mesh.extensionProviders.find((p) => p.name === name);
}

/** Istio's outbound cluster name for a provider's service:port. */
function clusterOf(service: string, port: number): string {
  return `outbound|${port}||${service}`;
}

function fileLog(path: string, format: { text?: string | undefined; labels?: unknown } | undefined, encoding: "TEXT" | "JSON"): EnvoyJson {
  let logFormat: EnvoyJson;
  if (format?.labels !== undefined && format.labels !== null && typeof format.labels === "object" && Object.keys(format.labels).length > 0) logFormat = { json_format: format.labels };
  else if (encoding === "JSON" && (format?.text ?? "") === "") logFormat = { json_format: { ...ISTIO_JSON_FORMAT } };
  else {
    const text = format?.text ?? "";
    logFormat = { text_format_source: { inline_string: text === "" ? ISTIO_TEXT_FORMAT : text.endsWith("\n") ? text : `${text}\n` } };
  }
  return { name: "envoy.access_loggers.file", typed_config: { "@type": FILE_ACCESS_LOG_TYPE, path: path || "/dev/stdout", log_format: logFormat } };
}

function accessLogs(eff: EffectiveTelemetry, mode: TelemetryMode, mesh: TelemetryMeshSettings, warnings: string[]): EnvoyJson[] {
  const al = eff.accessLogging[mode];
  if (al.disabled) return [];
  const out: EnvoyJson[] = [];
  let filter: EnvoyJson | undefined;
  if (al.filter !== undefined && al.filter !== "") {
    try {
      compileCelFilter(al.filter, "accessLogging.filter.expression");
      filter = { extension_filter: { name: "envoy.access_loggers.extension_filters.cel", typed_config: { "@type": CEL_FILTER_TYPE, expression: al.filter } } };
    } catch (e) {
      warnings.push(`access log filter ${JSON.stringify(al.filter)} is not supported by the Mizzen proxy (${e instanceof Error ? e.message : String(e)}); access logs are written unfiltered`);
    }
  }
  const providers = al.providers.length > 0 ? al.providers : mesh.accessLogFile ? ["<meshconfig>"] : [];
  for (const name of providers) {
    let entry: EnvoyJson | undefined;
    if (name === "<meshconfig>") entry = fileLog(mesh.accessLogFile ?? "", { text: mesh.accessLogFormat }, mesh.accessLogEncoding ?? "TEXT");
    else {
      const p = provider(mesh, name);
      if (p === undefined) { warnings.push(`access log provider ${JSON.stringify(name)} is not in MeshConfig.extensionProviders`); continue; }
      if (p.envoyFileAccessLog !== undefined) {
        // Istio's built-in "envoy" provider without its own format follows MeshConfig's encoding and format.
        const own = p.envoyFileAccessLog.logFormat;
        entry = name === "envoy" && own === undefined
          ? fileLog(p.envoyFileAccessLog.path ?? "/dev/stdout", { text: mesh.accessLogFormat }, mesh.accessLogEncoding ?? "TEXT")
          : fileLog(p.envoyFileAccessLog.path ?? "/dev/stdout", own, "TEXT");
      } else { warnings.push(`access log provider ${JSON.stringify(name)} has a kind the Mizzen proxy does not run; only envoyFileAccessLog is supported`); continue; }
    }
    out.push(filter === undefined ? entry : { ...entry, filter });
  }
  return out;
}

function tracing(eff: EffectiveTelemetry, mode: TelemetryMode, mesh: TelemetryMeshSettings, id: TelemetryProxyIdentity, warnings: string[]): EnvoyJson | undefined {
  const tr = eff.tracing[mode];
  if (mesh.enableTracing === false || tr.disableSpanReporting || tr.providers.length === 0) return undefined;
  const name = tr.providers[0] as string;
  if (tr.providers.length > 1) warnings.push(`only one tracing provider per proxy is supported; using ${JSON.stringify(name)}`);
  const p = provider(mesh, name);
  if (p === undefined) { warnings.push(`tracing provider ${JSON.stringify(name)} is not in MeshConfig.extensionProviders`); return undefined; }
  let prov: EnvoyJson;
  if (p.zipkin !== undefined && p.zipkin.service !== undefined && p.zipkin.port !== undefined) {
    prov = { name: "envoy.tracers.zipkin", typed_config: {
      "@type": ZIPKIN_CONFIG_TYPE, collector_cluster: clusterOf(p.zipkin.service, Number(p.zipkin.port)),
      collector_endpoint: p.zipkin.path ?? "/api/v2/spans", collector_endpoint_version: "HTTP_JSON", collector_hostname: p.zipkin.service,
      trace_id_128bit: p.zipkin.enable64bitTraceId !== true, shared_span_context: false,
    } };
  } else if (p.opentelemetry !== undefined && p.opentelemetry.service !== undefined && p.opentelemetry.port !== undefined && p.opentelemetry.http !== undefined) {
    const o = p.opentelemetry;
    const port = Number(o.port);
    prov = { name: "envoy.tracers.opentelemetry", typed_config: {
      "@type": OTEL_CONFIG_TYPE, service_name: `${id.canonicalService}.${id.namespace}`,
      http_service: { http_uri: { uri: `http://${o.service ?? ""}:${port}${o.http?.path ?? "/v1/traces"}`, cluster: clusterOf(o.service ?? "", port), timeout: o.http?.timeout ?? "5s" } },
    } };
  } else {
    warnings.push(`tracing provider ${JSON.stringify(name)} is not supported by the Mizzen proxy (zipkin, or opentelemetry with http, need service and port)`);
    return undefined;
  }
  const sampling = tr.randomSamplingPercentage ?? mesh.defaultSampling ?? 1;
  const customTags: EnvoyJson[] = [
    { tag: "istio.canonical_revision", literal: { value: id.canonicalRevision } },
    { tag: "istio.canonical_service", literal: { value: id.canonicalService } },
    { tag: "istio.mesh_id", literal: { value: id.meshId } },
    { tag: "istio.namespace", literal: { value: id.namespace } },
    { tag: "istio.cluster_id", literal: { value: id.clusterId } },
  ];
  const tags: Readonly<Record<string, CustomTag | ProxyCustomTag>> = Object.keys(tr.customTags).length > 0 ? tr.customTags : mesh.proxyCustomTags ?? {};
  for (const [tag, t] of Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (t.literal !== undefined) customTags.push({ tag, literal: { value: t.literal.value } });
    else if (t.environment !== undefined) customTags.push({ tag, environment: { name: t.environment.name, default_value: t.environment.defaultValue ?? "" } });
    else if (t.header !== undefined) customTags.push({ tag, request_header: { name: t.header.name, default_value: t.header.defaultValue ?? "" } });
    else warnings.push(`custom tag ${JSON.stringify(tag)}: formatter tags are not supported`);
  }
  const out: EnvoyJson = { client_sampling: { value: 100 }, random_sampling: { value: sampling }, overall_sampling: { value: 100 }, custom_tags: customTags, provider: prov };
  if (mesh.maxPathTagLength !== undefined) out["max_path_tag_length"] = mesh.maxPathTagLength;
  return out;
}

function statsFilter(eff: EffectiveTelemetry, mode: TelemetryMode, mesh: TelemetryMeshSettings, warnings: string[]): EnvoyJson | undefined {
  const me = eff.metrics[mode];
  const prom = me.providers.some((n) => provider(mesh, n)?.prometheus !== undefined || n === "prometheus");
  if (!prom) return undefined;
  const metrics: EnvoyJson[] = [];
  for (const o of me.overrides as MetricsOverrides[]) {
    const m = o.match?.customMetric ?? o.match?.metric ?? "ALL_METRICS";
    const name = m === "ALL_METRICS" ? "" : METRIC_SHORT[m] ?? m;
    const entry: EnvoyJson = { name };
    if (o.disabled === true) entry["drop"] = true;
    const remove: string[] = [];
    const dims: Record<string, string> = {};
    for (const [tag, t] of Object.entries(o.tagOverrides ?? {})) {
      if (t.operation === "REMOVE") remove.push(tag); else if (t.value !== undefined) dims[tag] = t.value;
    }
    if (remove.length > 0) entry["tags_to_remove"] = remove;
    if (Object.keys(dims).length > 0) entry["dimensions"] = dims;
    metrics.push(entry);
  }
  const cfg: EnvoyJson = { "@type": STATS_PLUGIN_TYPE };
  if (metrics.length > 0) cfg["metrics"] = metrics;
  try {
    compilePluginConfig(cfg);
  } catch (e) {
    warnings.push(`metric overrides not supported by the Mizzen proxy are left out: ${e instanceof Error ? e.message : String(e)}`);
    delete cfg["metrics"];
  }
  return { name: "istio.stats", typed_config: cfg };
}

/**
 * Envoy fragments for one direction: "outbound" (the sidecar as client, Telemetry mode CLIENT)
 * or "inbound" (as server, mode SERVER).
 */
export function telemetryFragments(eff: EffectiveTelemetry, direction: "inbound" | "outbound", mesh: TelemetryMeshSettings, id: TelemetryProxyIdentity): TelemetryFragments {
  const mode: TelemetryMode = direction === "inbound" ? "SERVER" : "CLIENT";
  const warnings: string[] = [];
  const stats = statsFilter(eff, mode, mesh, warnings);
  return {
    access_log: accessLogs(eff, mode, mesh, warnings),
    tracing: tracing(eff, mode, mesh, id, warnings),
    http_filters: stats === undefined ? [] : [stats],
    warnings,
  };
}
