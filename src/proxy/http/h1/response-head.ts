// Parses an upstream HTTP/1.1 response head minimally: status, body framing, connection reuse.
import { HeaderList } from "../header-list.js";
import { hasToken } from "./head-syntax.js";
import { lowerHeaderName } from "./header-names.js";

export class ResponseHead {
  status = 0;
  version = 11;
  readonly headers = new HeaderList();
  contentLength = -1;
  chunked = false;
  close = false;
  /** Carries hop-by-hop fields that must not be forwarded as they are. */
  hopByHop = false;
  /** How many `server` lines, and the byte range of the last one (its CRLF included) in the head. */
  serverLines = 0;
  serverStart = -1;
  serverEnd = -1;
  /** The same for `x-envoy-upstream-service-time` (a proxy upstream of this one set it). */
  serviceTimeLines = 0;
  serviceTimeStart = -1;
  serviceTimeEnd = -1;
}

/** The decimal digit at `i`, or NaN. */
function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
}

/** Parses head text (excluding the final CRLF CRLF); false when malformed. */
export function parseResponseHead(s: string, r: ResponseHead): boolean {
  let eol = s.indexOf("\r\n");
  if (eol < 0) eol = s.length;
  if (!s.startsWith("HTTP/1.")) return false;
  r.version = s.charCodeAt(7) === 49 ? 11 : 10;
  const status = digit(s, 9) * 100 + digit(s, 10) * 10 + digit(s, 11);
  if (s.charCodeAt(8) !== 32 || !(status >= 100)) return false;
  r.status = status;
  let connection = "";
  let pos = eol + 2;
  while (pos < s.length) {
    let end = s.indexOf("\r\n", pos);
    if (end < 0) end = s.length;
    const colon = s.indexOf(":", pos);
    if (colon <= pos || colon > end) return false;
    let vs = colon + 1;
    while (vs < end && (s.charCodeAt(vs) === 32 || s.charCodeAt(vs) === 9)) vs++;
    let ve = end;
    while (ve > vs && (s.charCodeAt(ve - 1) === 32 || s.charCodeAt(ve - 1) === 9)) ve--;
    const name = lowerHeaderName(s, pos, colon);
    const value = s.slice(vs, ve);
    switch (name) {
      case "content-length": {
        const n = Number(value);
        if (!Number.isSafeInteger(n) || n < 0) return false;
        if (r.contentLength >= 0 && r.contentLength !== n) return false;
        r.contentLength = n;
        break;
      }
      case "transfer-encoding":
        if (hasToken(value, "chunked")) r.chunked = true;
        break;
      case "connection":
        connection = value;
        r.hopByHop = true;
        break;
      case "keep-alive":
      case "proxy-connection":
        r.hopByHop = true;
        break;
      case "server":
        r.serverLines++;
        r.serverStart = pos;
        r.serverEnd = end + 2;
        break;
      case "x-envoy-upstream-service-time":
        r.serviceTimeLines++;
        r.serviceTimeStart = pos;
        r.serviceTimeEnd = end + 2;
        break;
    }
    r.headers.push(name, value);
    pos = end + 2;
  }
  if (r.chunked) r.contentLength = -1;
  if (connection !== "" ? hasToken(connection, "close") || (r.version === 10 && !hasToken(connection, "keep-alive")) : r.version === 10) r.close = true;
  return true;
}
