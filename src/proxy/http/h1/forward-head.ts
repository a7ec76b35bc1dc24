// Serialises the heads the proxy forwards: the request head to the upstream (hop-by-hop fields
// dropped, proxy fields added) and, when something must change, the response head downstream.
import type { HeaderList } from "../header-list.js";
import type { ResponseHead } from "./response-head.js";
import { reasonPhrase } from "../local-reply.js";

export interface RequestHeadExtras {
  method: string;
  path: string;
  host: string;
  /** "" = keep. */
  upgrade: string;
  /** Appended to x-forwarded-for (use_remote_address), "" = leave as is. */
  forwardedFor: string;
  /** Added when the request has no x-request-id, "" = none. */
  requestId: string;
  forwardedProto: string;
  /** x-envoy-attempt-count (the virtual host's include_request_attempt_count), 0 = none. */
  attemptCount: number;
}

/** The request head for the upstream, as a latin1 string. */
export function upstreamRequestHead(h: HeaderList, x: RequestHeadExtras): string {
  let s = `${x.method} ${x.path} HTTP/1.1\r\nhost: ${x.host}\r\n`;
  const names = h.names;
  const values = h.values;
  let sawXff = false;
  let sawProto = false;
  for (let i = 0; i < names.length; i++) {
    const n = names[i] as string;
    switch (n) {
      case "host": case "connection": case "keep-alive": case "proxy-connection": case "upgrade":
        continue;
      case "te":
        if ((values[i] as string).toLowerCase() !== "trailers") continue;
        break;
      case "x-forwarded-for":
        if (x.forwardedFor !== "" && !sawXff) { sawXff = true; s += `x-forwarded-for: ${values[i] as string}, ${x.forwardedFor}\r\n`; continue; }
        break;
      case "x-forwarded-proto":
        sawProto = true;
        break;
      case "x-envoy-attempt-count":
        if (x.attemptCount > 0) continue;
        break;
    }
    s += `${n}: ${values[i] as string}\r\n`;
  }
  if (x.forwardedFor !== "" && !sawXff) s += `x-forwarded-for: ${x.forwardedFor}\r\n`;
  if (!sawProto) s += `x-forwarded-proto: ${x.forwardedProto}\r\n`;
  if (x.requestId !== "") s += `x-request-id: ${x.requestId}\r\n`;
  if (x.attemptCount > 0) s += `x-envoy-attempt-count: ${x.attemptCount}\r\n`;
  if (x.upgrade !== "") s += `connection: upgrade\r\nupgrade: ${x.upgrade}\r\n`;
  return `${s}\r\n`;
}

/**
 * The response head for the client after changes: hop-by-hop fields removed, the upstream's
 * server header dropped when `dropServer` (Envoy's own is among `envoyLines`), close.
 */
export function downstreamResponseHead(r: ResponseHead, dropServer: boolean, envoyLines: string, close: boolean, keepAlive10: boolean): string {
  let s = `HTTP/1.1 ${r.status} ${reasonPhrase(r.status)}\r\n`;
  const names = r.headers.names;
  const values = r.headers.values;
  for (let i = 0; i < names.length; i++) {
    const n = names[i] as string;
    if (n === "connection" || n === "keep-alive" || n === "proxy-connection") {
      if (r.status !== 101) continue;
    }
    if (n === "server" && dropServer) continue;
    s += `${n}: ${values[i] as string}\r\n`;
  }
  s += envoyLines;
  if (close && r.status !== 101) s += "connection: close\r\n";
  else if (keepAlive10) s += "connection: keep-alive\r\n";
  return `${s}\r\n`;
}

/**
 * The upstream's head bytes (`raw`, ending in CRLF CRLF) with `lines` added before the blank line
 * and, when `dropServer`, its one server line cut out: a copy, no re-serialising.
 */
export function splicedResponseHead(raw: Buffer, r: ResponseHead, dropServer: boolean, lines: string): Buffer {
  const cut = dropServer && r.serverLines === 1;
  const keep = raw.length - 2 - (cut ? r.serverEnd - r.serverStart : 0);
  const out = Buffer.allocUnsafe(keep + lines.length + 2);
  let at = cut ? raw.copy(out, 0, 0, r.serverStart) + raw.copy(out, r.serverStart, r.serverEnd, raw.length - 2) : raw.copy(out, 0, 0, raw.length - 2);
  at += out.write(lines, at, "latin1");
  out[at] = 13;
  out[at + 1] = 10;
  return out;
}
