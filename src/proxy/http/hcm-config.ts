// HttpConnectionManager typed_config compiled once into the settings the codecs read.
import { invalid, obj, str, bool, int, arr, durationMs, isObject } from "../router/envoy-json.js";
import { compileRouteConfiguration, type CompiledRouteConfig } from "../router/route-config.js";
import { httpFilterFactory, ROUTER_FILTER_TYPE, type HttpFilter } from "./filters/http-filter.js";
import type { EnvoyJson } from "../contracts.js";
import { compileHcmTelemetry, type HcmTelemetry } from "../../telemetry/hcm-telemetry.js";

export type CodecType = "AUTO" | "HTTP1" | "HTTP2";
export type ServerHeaderTransformation = "OVERWRITE" | "APPEND_IF_ABSENT" | "PASS_THROUGH";
const SERVER_HEADER_TRANSFORMATIONS: readonly ServerHeaderTransformation[] = ["OVERWRITE", "APPEND_IF_ABSENT", "PASS_THROUGH"];

export interface HcmConfig {
  readonly statPrefix: string;
  /** Inline route_config, or null when rds names one. */
  readonly routeConfig: CompiledRouteConfig | null;
  readonly rdsName: string | null;
  readonly codec: CodecType;
  readonly filters: readonly HttpFilter[];
  /** 0 = none. */
  readonly requestHeadersTimeoutMs: number;
  readonly streamIdleTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxRequestHeadersBytes: number;
  readonly generateRequestId: boolean;
  readonly useRemoteAddress: boolean;
  readonly xffNumTrustedHops: number;
  /** server_name: what the server header says (default "envoy", as Envoy). */
  readonly serverName: string;
  /** server_header_transformation: replace the upstream's, add one only when absent, or leave it. */
  readonly serverHeaderTransformation: ServerHeaderTransformation;
  /** `server: <name>\r\n`, built once (as text and as bytes). */
  readonly serverLine: string;
  readonly serverLineBytes: Buffer;
  /** The router's suppress_envoy_headers: no x-envoy-upstream-service-time on responses. */
  readonly suppressEnvoyHeaders: boolean;
  readonly websocket: boolean;
  readonly stripAnyHostPort: boolean;
  /** access_log and tracing (null when neither is configured). */
  readonly telemetry: HcmTelemetry | null;
}

/** Without request_headers_timeout a head may trickle in for this long (slowloris bound). */
const DEFAULT_HEADERS_TIMEOUT_MS = 30_000;

export function compileHcmConfig(c: EnvoyJson): HcmConfig {
  const codecRaw = c["codec_type"] ?? "AUTO";
  const codec = codecRaw === 0 ? "AUTO" : codecRaw === 1 ? "HTTP1" : codecRaw === 2 ? "HTTP2" : String(codecRaw);
  if (codec !== "AUTO" && codec !== "HTTP1" && codec !== "HTTP2") throw invalid("codec_type", `unsupported codec ${JSON.stringify(codecRaw)}`);
  let routeConfig: CompiledRouteConfig | null = null;
  let rdsName: string | null = null;
  if (c["route_config"] !== undefined) {
    const rc = obj(c["route_config"], "route_config") ?? {};
    try {
      routeConfig = compileRouteConfiguration(rc);
    } catch (e) {
      if (e instanceof Error) e.message = `route_config.${e.message}`;
      throw e;
    }
  } else if (c["rds"] !== undefined) {
    rdsName = str(obj(c["rds"], "rds")?.["route_config_name"], "rds.route_config_name") ?? null;
    if (!rdsName) throw invalid("rds.route_config_name", "is required");
  } else throw invalid("route_config", "route_config or rds is required");
  const filters: HttpFilter[] = [];
  const list = arr(c["http_filters"], "http_filters");
  let sawRouter = false;
  let suppressEnvoyHeaders = false;
  list.forEach((f, i) => {
    const field = `http_filters[${i}]`;
    const fo = obj(f, field) ?? {};
    const name = str(fo["name"], `${field}.name`) ?? "";
    const tc = obj(fo["typed_config"], `${field}.typed_config`);
    const type = tc ? str(tc["@type"], `${field}.typed_config.@type`) : undefined;
    if (type === ROUTER_FILTER_TYPE || (type === undefined && name === "envoy.filters.http.router")) {
      if (i !== list.length - 1) throw invalid(field, "envoy.filters.http.router must be the last filter");
      sawRouter = true;
      suppressEnvoyHeaders = (tc && bool(tc["suppress_envoy_headers"], `${field}.typed_config.suppress_envoy_headers`)) ?? false;
      return;
    }
    if (bool(fo["disabled"], `${field}.disabled`) === true) return;
    const factory = type === undefined ? undefined : httpFilterFactory(type);
    if (factory === undefined) {
      if (bool(fo["is_optional"], `${field}.is_optional`) === true) return;
      throw invalid(`${field}.typed_config`, `unsupported HTTP filter ${JSON.stringify(type ?? name)}`);
    }
    const built = factory.create(name, isObject(tc) ? tc : {}, `${field}.typed_config`);
    if (built !== null) filters.push(built);
  });
  if (list.length > 0 && !sawRouter) throw invalid("http_filters", "the last filter must be envoy.filters.http.router");
  const cpo = obj(c["common_http_protocol_options"], "common_http_protocol_options");
  const maxKb = int(c["max_request_headers_kb"], "max_request_headers_kb") ?? 60;
  if (maxKb < 1 || maxKb > 8192) throw invalid("max_request_headers_kb", "must be 1..8192");
  let websocket = false;
  arr(c["upgrade_configs"], "upgrade_configs").forEach((u, i) => {
    const uo = obj(u, `upgrade_configs[${i}]`) ?? {};
    if (String(uo["upgrade_type"]).toLowerCase() === "websocket") websocket = bool(uo["enabled"], `upgrade_configs[${i}].enabled`) ?? true;
  });
  const rht = durationMs(c["request_headers_timeout"], "request_headers_timeout") ?? 0;
  const sht = c["server_header_transformation"] ?? "OVERWRITE";
  const serverHeaderTransformation = typeof sht === "number" ? SERVER_HEADER_TRANSFORMATIONS[sht] : SERVER_HEADER_TRANSFORMATIONS.find((t) => t === sht);
  if (serverHeaderTransformation === undefined) throw invalid("server_header_transformation", `must be one of ${SERVER_HEADER_TRANSFORMATIONS.join(", ")}, not ${JSON.stringify(sht)}`);
  // An empty server_name is proto3's unset: Envoy's default applies.
  const serverName = str(c["server_name"], "server_name") || "envoy";
  if (/[\0\r\n]/.test(serverName)) throw invalid("server_name", "must be a valid header value (no NUL, CR or LF)");
  const telemetry = compileHcmTelemetry(c);
  if (telemetry?.filter) filters.unshift(telemetry.filter);
  return {
    statPrefix: str(c["stat_prefix"], "stat_prefix") ?? "",
    routeConfig,
    rdsName,
    codec,
    filters,
    requestHeadersTimeoutMs: rht > 0 ? rht : DEFAULT_HEADERS_TIMEOUT_MS,
    streamIdleTimeoutMs: durationMs(c["stream_idle_timeout"], "stream_idle_timeout") ?? 300_000,
    idleTimeoutMs: (cpo && durationMs(cpo["idle_timeout"], "common_http_protocol_options.idle_timeout")) ?? 3_600_000,
    maxRequestHeadersBytes: maxKb * 1024,
    generateRequestId: bool(c["generate_request_id"], "generate_request_id") ?? true,
    useRemoteAddress: bool(c["use_remote_address"], "use_remote_address") ?? false,
    xffNumTrustedHops: int(c["xff_num_trusted_hops"], "xff_num_trusted_hops") ?? 0,
    serverName,
    serverHeaderTransformation,
    serverLine: `server: ${serverName}\r\n`,
    serverLineBytes: Buffer.from(`server: ${serverName}\r\n`, "latin1"),
    suppressEnvoyHeaders,
    websocket,
    stripAnyHostPort: bool(c["strip_any_host_port"], "strip_any_host_port") ?? false,
    telemetry,
  };
}
