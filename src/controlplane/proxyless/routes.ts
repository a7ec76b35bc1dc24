// VirtualService HTTP routes → Envoy routes, as Istio's route translation does it for the subset
// proxyless gRPC understands: uri/header matches, weighted destinations (subsets), timeouts,
// retries (Istio's default policy when unset), fault abort/delay, direct response.
import type { EnvoyJson } from "../../proxy/contracts.js";
import { fqdn, type IstioResource, type ServiceModel } from "../model/mesh-model.js";

export const FAULT_FILTER = "envoy.filters.http.fault";
export const FAULT_TYPE = "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault";

/** Istio's cluster naming: outbound|<port>|<subset>|<host>. */
export function outboundCluster(port: number, subset: string, host: string): string {
  return `outbound|${port}|${subset}|${host}`;
}

/** Where a resource came from, as Istio marks it (filter_metadata.istio.config), for proxy-config. */
export function istioMetadata(kind: "virtual-service" | "destination-rule", r: IstioResource): EnvoyJson {
  return { filter_metadata: { istio: { config: `/apis/networking.istio.io/v1/namespaces/${r.metadata.namespace ?? "default"}/${kind}/${r.metadata.name}` } } };
}

/** Istio's default retry policy (attempts 2, retryOn as in pilot's DefaultRetryPolicy). */
const DEFAULT_RETRY = { retry_on: "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes", num_retries: 2 };

const GRPC_CODES: Readonly<Record<string, number>> = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

type StringMatch = { exact?: string; prefix?: string; regex?: string };
interface HttpRoute {
  match?: { uri?: StringMatch; headers?: Record<string, StringMatch>; ignoreUriCase?: boolean }[];
  route?: { destination: { host: string; subset?: string; port?: { number?: number } }; weight?: number }[];
  timeout?: string;
  retries?: { attempts?: number; perTryTimeout?: string; retryOn?: string };
  fault?: { abort?: { httpStatus?: number; grpcStatus?: string; percentage?: { value?: number } }; delay?: { fixedDelay?: string; percentage?: { value?: number } } };
  directResponse?: { status: number; body?: { string?: string } };
}

function stringMatcher(m: StringMatch): EnvoyJson | undefined {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  if (m.regex !== undefined) return { safe_regex: { regex: m.regex } };
  return undefined;
}

function routeMatch(m: NonNullable<HttpRoute["match"]>[number] | undefined): EnvoyJson {
  const out: EnvoyJson = {};
  const uri = m?.uri;
  if (uri?.exact !== undefined) out.path = uri.exact;
  else if (uri?.regex !== undefined) out.safe_regex = { regex: uri.regex };
  else out.prefix = uri?.prefix ?? "/";
  if (m?.ignoreUriCase) out.case_sensitive = false;
  const headers = Object.entries(m?.headers ?? {}).flatMap(([name, sm]) => {
    const matcher = stringMatcher(sm);
    return matcher ? [{ name, string_match: matcher }] : [];
  });
  if (headers.length > 0) out.headers = headers;
  return out;
}

/** Per-million fraction from Istio's percentage (0..100, default 100). */
function fraction(p: { value?: number } | undefined): EnvoyJson {
  return { numerator: Math.round((p?.value ?? 100) * 10_000), denominator: "MILLION" };
}

function faultConfig(f: NonNullable<HttpRoute["fault"]>): EnvoyJson | undefined {
  const out: EnvoyJson = { "@type": FAULT_TYPE };
  if (f.abort?.httpStatus !== undefined) out.abort = { http_status: f.abort.httpStatus, percentage: fraction(f.abort.percentage) };
  else if (f.abort?.grpcStatus !== undefined) out.abort = { grpc_status: GRPC_CODES[f.abort.grpcStatus] ?? 2, percentage: fraction(f.abort.percentage) };
  if (f.delay?.fixedDelay) out.delay = { fixed_delay: f.delay.fixedDelay, percentage: fraction(f.delay.percentage) };
  return out.abort || out.delay ? out : undefined;
}

function retryPolicy(r: HttpRoute["retries"]): EnvoyJson | undefined {
  if (!r) return { ...DEFAULT_RETRY };
  if ((r.attempts ?? 0) <= 0) return undefined;
  const out: EnvoyJson = { retry_on: r.retryOn ?? DEFAULT_RETRY.retry_on, num_retries: r.attempts };
  if (r.perTryTimeout) out.per_try_timeout = r.perTryTimeout;
  return out;
}

function routeAction(http: HttpRoute, vs: IstioResource, svc: ServiceModel, port: number): EnvoyJson {
  const ns = vs.metadata.namespace ?? "default";
  const dests = (http.route ?? []).filter((d) => d.weight === undefined || d.weight > 0 || (http.route ?? []).length === 1);
  const clusters = dests.map((d) => {
    const host = fqdn(d.destination.host, ns);
    const p = d.destination.port?.number ?? (host === svc.host ? port : 0);
    return { name: outboundCluster(p, d.destination.subset ?? "", host), weight: d.weight ?? (dests.length === 1 ? 100 : 0) };
  });
  const action: EnvoyJson = clusters.length === 1 && clusters[0] ? { cluster: clusters[0].name } : { weighted_clusters: { clusters } };
  action.timeout = http.timeout ?? "0s";
  const retry = retryPolicy(http.retries);
  if (retry) action.retry_policy = retry;
  return action;
}

/** The routes of one host:port: the VirtualService's HTTP rules in order, else one default route. */
export function routesFor(svc: ServiceModel, port: number, vs: IstioResource | undefined): EnvoyJson[] {
  const fallback: EnvoyJson = { name: "default", match: { prefix: "/" }, route: { cluster: outboundCluster(port, "", svc.host), timeout: "0s", retry_policy: { ...DEFAULT_RETRY } } };
  if (!vs) return [fallback];
  const out: EnvoyJson[] = [];
  const rules = (vs.spec.http as HttpRoute[] | undefined) ?? [];
  rules.forEach((http, i) => {
    const fault = http.fault ? faultConfig(http.fault) : undefined;
    const action = http.directResponse
      ? { direct_response: { status: http.directResponse.status, ...(http.directResponse.body?.string !== undefined ? { body: { inline_string: http.directResponse.body.string } } : {}) } }
      : { route: routeAction(http, vs, svc, port) };
    for (const m of http.match ?? [undefined]) {
      out.push({
        name: `${vs.metadata.namespace ?? "default"}.${vs.metadata.name}.${i}`,
        match: routeMatch(m),
        ...action,
        metadata: istioMetadata("virtual-service", vs),
        ...(fault ? { typed_per_filter_config: { [FAULT_FILTER]: fault } } : {}),
      });
    }
  });
  return out.length > 0 ? out : [fallback];
}
