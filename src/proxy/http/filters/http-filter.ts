// HTTP filters: a registry keyed by type URL, each building a per-connection-manager filter
// that sees every request head before the router. envoy.filters.http.router is always last.
import type { EnvoyJson } from "../../contracts.js";
import type { ConnectionInfo, ResponseFlag } from "../../contracts.js";
import type { CompiledRoute } from "../../router/route.js";
import type { HeaderList } from "../header-list.js";
import type { HttpRequestRecord } from "../request-record.js";

/** What a filter sees of a request, whichever codec carries it. */
export interface HttpStream {
  readonly method: string;
  readonly headers: HeaderList;
  readonly record: HttpRequestRecord;
  /** The matched route (null only before routing). */
  readonly route: CompiledRoute | null;
  /** The downstream connection (addresses, TLS peer identity), for RBAC and authn filters; unset when the codec does not wire it. */
  readonly connection?: ConnectionInfo;
  /** Answers the request from the proxy; `flag` null for deliberate replies (CORS preflight). */
  localReply(status: number, flag: ResponseFlag | null, details: string, extraHeaders?: string): void;
  grpcLocalReply(grpcStatus: number, flag: ResponseFlag, details: string): void;
  addResponseHeader(name: string, value: string): void;
  /** Holds the request until the timer fires (and resumes the chain); cleared if the request dies. */
  pauseFor(timer: NodeJS.Timeout): void;
  continueFilters(from: number): void;
}

/** Keep going to the next filter. */
export const FILTER_CONTINUE = 0;
/** The filter answered or paused the request; it calls exchange.continueFilters() to resume. */
export const FILTER_STOP = 1;

export interface HttpFilter {
  /** The filter's name in http_filters (the key of typed_per_filter_config). */
  readonly name: string;
  /** `index` is this filter's position, for resuming after a pause. */
  onRequest(ex: HttpStream, index: number): number;
}

export interface HttpFilterFactory {
  readonly typeUrl: string;
  /** Throws MizzenError (MIZZEN_ERR_XDS_INVALID) naming the field for a bad config. */
  create(name: string, typedConfig: EnvoyJson, field: string): HttpFilter | null;
}

const registry = new Map<string, HttpFilterFactory>();

export function registerHttpFilter(f: HttpFilterFactory): void {
  registry.set(f.typeUrl, f);
}

export function httpFilterFactory(typeUrl: string): HttpFilterFactory | undefined {
  return registry.get(typeUrl);
}

export const ROUTER_FILTER_TYPE = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";
