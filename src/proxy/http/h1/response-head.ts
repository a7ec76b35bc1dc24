// Parses an upstream HTTP/1.1 response head minimally: status, body framing, connection reuse.
// The header list is built only when something asks for it (retry policies, header mutations,
// filters, a rewritten head); a response relayed as it came never needs one.
import { Buffer } from "node:buffer"; // the global `Buffer` is a getter: each use in hot code is a call
import { HeaderList } from "../header-list.js";
import { hasToken, parseContentLength, crlfIndex, latin1 } from "./head-syntax.js";
import { knownHeaderName, lowerHeaderName } from "./header-names.js";

export class ResponseHead {
  status = 0;
  version = 11;
  /** The head as latin1 text and where its field lines start, for `headers`. */
  text = "";
  fieldsAt = 0;
  private list: HeaderList | null = null;
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

  /** The fields as lower-case names and values, built from the text on first use. */
  get headers(): HeaderList {
    if (this.list === null) this.list = fieldList(this.text, this.fieldsAt);
    return this.list;
  }
}

/**
 * Walks the field lines of a head in b[0, len) from `next`: after step() returns 1 the line's
 * name is [pos, colon), its value (trimmed) [vs, ve), and it ends at `end` (its CR, or len).
 * One instance serves every walk: a walk runs start to end without yielding.
 */
class FieldLines {
  next = 0;
  pos = 0;
  colon = 0;
  end = 0;
  vs = 0;
  ve = 0;

  /** 1: a field; 0: no more lines; -1: malformed (no colon, an empty name, a bare CR). */
  step(b: Uint8Array, len: number): number {
    const pos = this.next;
    if (pos >= len) return 0;
    // The colon, then the line's end; a CR must end the line (Envoy's parser refuses a bare CR too).
    let colon = pos;
    while (colon < len && b[colon] !== 58 && b[colon] !== 13) colon++;
    if (colon === pos || colon === len || b[colon] !== 58) return -1;
    let end = colon + 1;
    while (end < len && b[end] !== 13) end++;
    if (end < len && !(end + 1 < len && b[end + 1] === 10)) return -1;
    let vs = colon + 1;
    while (vs < end && (b[vs] === 32 || b[vs] === 9)) vs++;
    let ve = end;
    while (ve > vs && (b[ve - 1] === 32 || b[ve - 1] === 9)) ve--;
    this.pos = pos;
    this.colon = colon;
    this.end = end;
    this.vs = vs;
    this.ve = ve;
    this.next = end + 2;
    return 1;
  }
}

const lines = new FieldLines();

/** The header list of a head already parsed (its field lines are well formed). */
function fieldList(text: string, from: number): HeaderList {
  const list = new HeaderList();
  if (from >= text.length) return list;
  const b = Buffer.from(text, "latin1");
  lines.next = from;
  while (lines.step(b, b.length) === 1) list.push(lowerHeaderName(b, text, lines.pos, lines.colon), text.slice(lines.vs, lines.ve));
  return list;
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
  r.text = s;
  r.fieldsAt = eol + 2;
  lines.next = eol + 2;
  for (let step = lines.step(b, len); step !== 0; step = lines.step(b, len)) {
    if (step < 0) return false;
    const { pos, colon, end } = lines;
    switch (knownHeaderName(b, pos, colon)) {
      case "content-length": {
        const n = parseContentLength(s.slice(lines.vs, lines.ve));
        if (n < 0) return false;
        if (r.contentLength >= 0 && r.contentLength !== n) return false;
        r.contentLength = n;
        break;
      }
      case "transfer-encoding":
        if (hasToken(s.slice(lines.vs, lines.ve), "chunked")) r.chunked = true;
        break;
      case "connection":
        connection = s.slice(lines.vs, lines.ve);
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
  }
  if (r.chunked) r.contentLength = -1;
  if (connection !== "" ? hasToken(connection, "close") || (r.version === 10 && !hasToken(connection, "keep-alive")) : r.version === 10) r.close = true;
  return true;
}
