// Parses an upstream HTTP/1.1 response head minimally: status, body framing, connection reuse.
import { HeaderList } from "../header-list.js";
import { hasToken, parseContentLength, crlfIndex, latin1 } from "./head-syntax.js";
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
function digit(b: Uint8Array, i: number): number {
  const c = (b[i] as number) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
}

/** Parses the head in b[0, len) (excluding the final CRLF CRLF); false when malformed. */
export function parseResponseHead(b: Buffer, len: number, r: ResponseHead): boolean {
  const s = latin1(b, 0, len);
  let eol = crlfIndex(b, 0, len);
  if (eol < 0) eol = len;
  // "HTTP/1.x NNN" at least; every index read below is inside the head.
  if (len < 12 || b[0] !== 72 || b[1] !== 84 || b[2] !== 84 || b[3] !== 80 || b[4] !== 47 || b[5] !== 49 || b[6] !== 46) return false;
  r.version = b[7] === 49 ? 11 : 10;
  const status = digit(b, 9) * 100 + digit(b, 10) * 10 + digit(b, 11);
  if (b[8] !== 32 || !(status >= 100)) return false;
  r.status = status;
  let connection = "";
  let pos = eol + 2;
  while (pos < len) {
    // The colon, then the line's end; a CR must end the line (Envoy's parser refuses a bare CR too).
    let colon = pos;
    while (colon < len && b[colon] !== 58 && b[colon] !== 13) colon++;
    if (colon === pos || colon === len || b[colon] !== 58) return false;
    let end = colon + 1;
    while (end < len && b[end] !== 13) end++;
    if (end < len && !(end + 1 < len && b[end + 1] === 10)) return false;
    let vs = colon + 1;
    while (vs < end && (b[vs] === 32 || b[vs] === 9)) vs++;
    let ve = end;
    while (ve > vs && (b[ve - 1] === 32 || b[ve - 1] === 9)) ve--;
    const name = lowerHeaderName(b, s, pos, colon);
    const value = s.slice(vs, ve);
    switch (name) {
      case "content-length": {
        const n = parseContentLength(value);
        if (n < 0) return false;
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
