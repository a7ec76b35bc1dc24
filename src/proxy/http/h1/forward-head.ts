// Serialises the heads the proxy forwards: the request head to the upstream (hop-by-hop fields
// dropped, proxy fields added) and, when something must change, the response head downstream.
import { Buffer } from "node:buffer"; // the global `Buffer` is a getter: each use in hot code is a call
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
 * server and x-envoy-upstream-service-time headers dropped when asked (Envoy's own are among
 * `envoyLines`), close.
 */
export function downstreamResponseHead(r: ResponseHead, dropServer: boolean, dropServiceTime: boolean, envoyLines: string, close: boolean, keepAlive10: boolean): string {
  let s = `HTTP/1.1 ${r.status} ${reasonPhrase(r.status)}\r\n`;
  const names = r.headers.names;
  const values = r.headers.values;
  for (let i = 0; i < names.length; i++) {
    const n = names[i] as string;
    if (n === "connection" || n === "keep-alive" || n === "proxy-connection") {
      if (r.status !== 101) continue;
    }
    if ((n === "server" && dropServer) || (n === "x-envoy-upstream-service-time" && dropServiceTime)) continue;
    s += `${n}: ${values[i] as string}\r\n`;
  }
  s += envoyLines;
  if (close && r.status !== 101) s += "connection: close\r\n";
  else if (keepAlive10) s += "connection: keep-alive\r\n";
  return `${s}\r\n`;
}

const SERVICE_TIME = Buffer.from("x-envoy-upstream-service-time: ", "latin1");

function digitCount(n: number): number {
  let d = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) d++;
  return d;
}

/** The upstream's lines to cut for Envoy's, in order: [c0, c1) then [c2, c3); -1 = none. */
class Cuts {
  c0 = -1;
  c1 = -1;
  c2 = -1;
  c3 = -1;
  /** Bytes cut, and bytes Envoy's lines add. */
  cut = 0;
  added = 0;
  digits = 0;
}

/** One plan serves every splice: each is made and used without yielding. */
const cuts = new Cuts();

function plan(r: ResponseHead, cutServer: boolean, lines: Buffer | null, serviceMs: number): Cuts {
  const k = cuts;
  let c0 = cutServer && r.serverLines > 0 ? r.serverStart : -1;
  let c1 = r.serverEnd;
  let c2 = serviceMs >= 0 && r.serviceTimeLines > 0 ? r.serviceTimeStart : -1;
  let c3 = r.serviceTimeEnd;
  if (c0 < 0 || (c2 >= 0 && c2 < c0)) [c0, c1, c2, c3] = [c2, c3, c0, c1];
  k.c0 = c0; k.c1 = c1; k.c2 = c2; k.c3 = c3;
  k.cut = (c0 < 0 ? 0 : c1 - c0) + (c2 < 0 ? 0 : c3 - c2);
  k.digits = serviceMs < 0 ? 0 : digitCount(serviceMs);
  k.added = (lines === null ? 0 : lines.length) + (serviceMs < 0 ? 0 : SERVICE_TIME.length + k.digits + 2);
  return k;
}

/** Writes Envoy's lines and the blank line's CRLF at `at`; returns the index after them. */
function writeEnvoyLines(out: Buffer, at: number, lines: Buffer | null, serviceMs: number, digits: number): number {
  if (lines !== null) { out.set(lines, at); at += lines.length; }
  if (serviceMs >= 0) {
    out.set(SERVICE_TIME, at);
    at += SERVICE_TIME.length + digits;
    for (let i = at - 1, v = serviceMs; i >= at - digits; i--, v = Math.floor(v / 10)) out[i] = 48 + (v % 10);
    out[at++] = 13;
    out[at++] = 10;
  }
  out[at++] = 13;
  out[at++] = 10;
  return at;
}

/**
 * Envoy's response headers added to the upstream's head bytes without re-serialising it: `raw`
 * (ending in CRLF CRLF, parsed into `r`, with at most one line of each of these headers), then
 * Envoy's `lines` (its server line and a date for a head without one: envoy-response-headers.ts
 * `splicedLines`; null = none) and x-envoy-upstream-service-time (`serviceMs` -1 = none) before
 * the blank line, the upstream's server line cut when `cutServer` and its service-time line when
 * Envoy sets one, then `body` (null = none): one Buffer, so head
 * and first body bytes still go out in one write. It is the start of `into` when that is large
 * enough (a scratch buffer the caller may reuse once the bytes are written), else a new one.
 */
export function splicedResponse(raw: Buffer, r: ResponseHead, cutServer: boolean, lines: Buffer | null, serviceMs: number, body: Buffer | null, into: Buffer | null = null): Buffer {
  const k = plan(r, cutServer, lines, serviceMs);
  const { c0, c1, c2, c3 } = k;
  const headEnd = raw.length - 2;
  const size = headEnd - k.cut + k.added + 2 + (body === null ? 0 : body.length);
  const out = into !== null && into.length >= size ? into.subarray(0, size) : Buffer.allocUnsafe(size);
  let at: number;
  if (c0 < 0) {
    out.set(raw, 0); // its final CRLF is overwritten below
    at = headEnd;
  } else {
    out.set(raw.subarray(0, c0), 0);
    at = c0;
    const restEnd = c2 < 0 ? headEnd : c2;
    out.set(raw.subarray(c1, restEnd), at);
    at += restEnd - c1;
    if (c2 >= 0) {
      out.set(raw.subarray(c3, headEnd), at);
      at += headEnd - c3;
    }
  }
  at = writeEnvoyLines(out, at, lines, serviceMs, k.digits);
  if (body !== null) out.set(body, at);
  return out;
}

/**
 * The same splice done inside `buf`, which holds a whole response: the head in [0, headEnd)
 * (ending in CRLF CRLF, parsed into `r`) and its body up to `end`. The head's cut lines close
 * up and the body moves (copyWithin: no copy into another buffer, no views). Returns the new
 * end of the response, or -1 when `buf` has no room for it (nothing was changed then).
 */
export function spliceInPlace(buf: Buffer, headEnd: number, end: number, r: ResponseHead, cutServer: boolean, lines: Buffer | null, serviceMs: number): number {
  const k = plan(r, cutServer, lines, serviceMs);
  const { c0, c1, c2, c3 } = k;
  const bodyAt = headEnd - k.cut + k.added;
  const newEnd = bodyAt + (end - headEnd);
  if (newEnd > buf.length) return -1;
  const blank = headEnd - 2;
  let at = blank;
  if (c0 >= 0) {
    // Close the cut ranges up: everything after c1 (up to c2, then after c3) moves left.
    const restEnd = c2 < 0 ? blank : c2;
    buf.copyWithin(c0, c1, restEnd);
    at = c0 + restEnd - c1;
    if (c2 >= 0) {
      buf.copyWithin(at, c3, blank);
      at += blank - c3;
    }
  }
  if (bodyAt !== headEnd && end > headEnd) buf.copyWithin(bodyAt, headEnd, end);
  writeEnvoyLines(buf, at, lines, serviceMs, k.digits);
  return newEnd;
}
