// The telemetry parts of an HTTP connection manager's config, compiled with it: access_log
// entries and (when configured) tracing. The connection manager prepends `filter` to its HTTP
// filters (it keeps the request headers for the log line and handles trace context) and wraps
// its request observer with wrapHcmObserver().
import type { EnvoyJson } from "../proxy/contracts.js";
import type { HttpFilter, HttpStream } from "../proxy/http/filters/http-filter.js";
import { FILTER_CONTINUE } from "../proxy/http/filters/http-filter.js";
import type { HttpRequestObserver, HttpRequestRecord } from "../proxy/http/request-record.js";
import { compileHttpAccessLogs, type HttpAccessLogger } from "./access-log/http-access-log.js";
import type { HeaderLookup } from "./access-log/log-entry.js";
import { compileHcmTracing, type HcmTracing } from "./tracing/hcm-tracing.js";

export interface HcmTelemetry {
  readonly accessLogs: readonly HttpAccessLogger[];
  readonly tracing: HcmTracing | null;
  /** Runs first among the HTTP filters; null when nothing needs the request path. */
  readonly filter: HttpFilter | null;
}

/** Request headers by record, kept (by reference, not copied) for the access log line. */
const headersByRecord = new WeakMap<HttpRequestRecord, HeaderLookup>();

class TelemetryRequestFilter implements HttpFilter {
  readonly name = "mizzen.telemetry";
  constructor(private readonly keepHeaders: boolean, private readonly tracing: HcmTracing | null) {}

  onRequest(ex: HttpStream): number {
    if (this.keepHeaders) headersByRecord.set(ex.record, ex.headers);
    if (this.tracing !== null) this.tracing.onRequest(ex);
    return FILTER_CONTINUE;
  }
}

/** Compiles access_log and tracing of an HCM typed_config; null when it has neither. Throws MizzenError naming the field. */
export function compileHcmTelemetry(c: EnvoyJson): HcmTelemetry | null {
  const accessLogs = compileHttpAccessLogs(c["access_log"], "access_log");
  const tracing = compileHcmTracing(c["tracing"], "tracing");
  if (accessLogs.length === 0 && tracing === null) return null;
  return { accessLogs, tracing, filter: new TelemetryRequestFilter(accessLogs.length > 0, tracing) };
}

/** The connection manager's observer followed by its spans and access log lines. */
export function wrapHcmObserver(base: HttpRequestObserver | undefined, t: HcmTelemetry | null): HttpRequestObserver | undefined {
  if (t === null) return base;
  return (r) => {
    if (base !== undefined) base(r);
    if (t.tracing !== null) t.tracing.onComplete(r);
    if (t.accessLogs.length > 0) {
      const e = { record: r, requestHeaders: headersByRecord.get(r) };
      for (const l of t.accessLogs) l.log(e);
    }
  };
}
