// The headers Envoy itself puts on responses it relays: `server` (the connection manager's
// server_name under its server_header_transformation) and `x-envoy-upstream-service-time` (the
// router's, in whole ms from the end of the downstream request to the upstream's response head,
// unless suppress_envoy_headers). Shared by the HTTP/1.1 and HTTP/2 paths.
import { monotonicNow } from "./request-clock.js";
import type { HcmConfig } from "./hcm-config.js";

/** Whether the response's server header becomes server_name (else the upstream's, or none, stays). */
export function setsServer(config: HcmConfig, upstreamHasServer: boolean): boolean {
  const t = config.serverHeaderTransformation;
  return t === "OVERWRITE" || (t === "APPEND_IF_ABSENT" && !upstreamHasServer);
}

/** x-envoy-upstream-service-time's value at monotonic time `now`, or -1 when suppressed or the request was still arriving. */
export function upstreamServiceTimeMs(config: HcmConfig, requestCompleteAt: number, now = monotonicNow()): number {
  return config.suppressEnvoyHeaders || requestCompleteAt < 0 ? -1 : Math.floor(now - requestCompleteAt);
}

/** The header lines (CRLF-terminated) Envoy adds to an HTTP/1.1 response head. */
export function envoyResponseLines(config: HcmConfig, setServer: boolean, serviceTimeMs: number): string {
  const server = setServer ? config.serverLine : "";
  return serviceTimeMs < 0 ? server : `${server}x-envoy-upstream-service-time: ${serviceTimeMs}\r\n`;
}
