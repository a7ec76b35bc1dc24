// The headers Envoy itself puts on responses it relays: `server` (the connection manager's
// server_name under its server_header_transformation) and `x-envoy-upstream-service-time` (the
// router's, in whole ms from the end of the downstream request to the upstream's response head,
// unless suppress_envoy_headers), and a `date` when the response has none. Shared by the
// HTTP/1.1 and HTTP/2 paths.
import { Buffer } from "node:buffer";
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

let lastServer: Buffer | null = null;
let lastDate: Buffer | null = null;
let lastBoth: Buffer | null = null;

/**
 * Envoy's server line (null = none) and date line (null = none) as the one Buffer a spliced
 * HTTP/1.1 head takes: each copy into a head costs about as much as a short head's parse, so
 * both lines are joined once, and again only when the date line changes (once a second).
 */
export function splicedLines(server: Buffer | null, date: Buffer | null): Buffer | null {
  if (date === null) return server;
  if (server === null) return date;
  if (server !== lastServer || date !== lastDate) {
    lastBoth = Buffer.concat([server, date]);
    lastServer = server;
    lastDate = date;
  }
  return lastBoth as Buffer;
}
