// Parses an HTTP/1.1 request head (request line + fields) into what routing and connection
// management need; everything else is kept as name/value pairs and forwarded. Returns 0, or
// the status to answer with (400 malformed or smuggling, 501 unknown transfer coding, 505 version).
import { HeaderList } from "../header-list.js";
import { tokenEnd, fieldNameEnd, fieldValueEnd, isRequestTarget, valueStart, valueEnd, parseContentLength, byteIndex, crlfIndex, latin1, connectionOptions, closesConnection, CONN_UPGRADE } from "./head-syntax.js";
import { knownMethod, knownHeaderIndex, KNOWN_NAMES, KnownName } from "./header-names.js";

export class RequestHead {
  method = "";
  /** Path (origin-form) including query; for absolute-form the path part. */
  path = "";
  authority = "";
  /** 10 or 11. */
  version = 11;
  readonly headers = new HeaderList();
  /** -1 when absent. */
  contentLength = -1;
  chunked = false;
  /** The client asked to close (or HTTP/1.0 without keep-alive). */
  close = false;
  upgrade = "";
  expectContinue = false;
  /** Why parsing failed, for the local reply body. */
  error = "";
  /**
   * The header list's edit count after parsing when the head's bytes can be forwarded as they
   * are (raw-request-head.ts), -1 when not: HTTP/1.1, origin-form, each field `name: value` with
   * one space, no hop-by-hop field. Names with capitals were lower-cased in the bytes.
   */
  rawEdits = -1;
  /** The client sent x-forwarded-proto (the proxy then adds none). */
  forwardedProto = false;
}

/**
 * The last Host value's bytes and its string. Clients send the same Host on request after
 * request; handing back the same string lets the route table's last-authority check compare one
 * pointer, where two equal slices of different heads compare through the runtime (about 450
 * instructions).
 */
const lastHost = { bytes: new Uint8Array(256), len: -1, value: "" };

/** The Host value in b[vs, ve) (the same bytes as s there): the last one's string when the bytes match. */
function hostValue(b: Uint8Array, s: string, vs: number, ve: number): string {
  const n = ve - vs;
  const last = lastHost;
  const bytes = last.bytes;
  if (n === last.len) {
    let i = 0;
    while (i < n && b[vs + i] === bytes[i]) i++;
    if (i === n) return last.value;
  }
  const value = s.slice(vs, ve);
  if (n <= bytes.length) {
    for (let i = 0; i < n; i++) bytes[i] = b[vs + i] as number;
    last.len = n;
    last.value = value;
  }
  return value;
}

function fail(h: RequestHead, why: string, status = 400): number {
  h.error = why;
  return status;
}

/**
 * `HTTP/x.y` in b[from, to): 11 or 10, 0 for another version, -1 when it is not a version at all.
 */
function httpVersion(b: Uint8Array, from: number, to: number): number {
  if (to - from !== 8 || b[from] !== 72 || b[from + 1] !== 84 || b[from + 2] !== 84 || b[from + 3] !== 80 || b[from + 4] !== 47 || b[from + 6] !== 46) return -1;
  const major = b[from + 5] as number;
  const minor = b[from + 7] as number;
  if (major < 48 || major > 57 || minor < 48 || minor > 57) return -1;
  return major === 49 && (minor === 49 || minor === 48) ? (minor === 49 ? 11 : 10) : 0;
}

/**
 * Parses the request line b[pos, eol) of the head string `s`: sets the method, the version and,
 * until parseRequestHead reads it, `path` to the request target as sent. 0, or the status to
 * answer with. Its own function, run once a head: TurboFan then spends its inlining budget for
 * parseRequestHead on the field loop, which runs once a field.
 */
function parseRequestLine(b: Buffer, s: string, pos: number, eol: number, h: RequestHead): number {
  const sp1 = byteIndex(b, 32, pos, eol);
  if (sp1 <= pos) return fail(h, "malformed request line");
  const sp2 = byteIndex(b, 32, sp1 + 1, eol);
  if (sp2 <= sp1 + 1) return fail(h, "malformed request line");
  if (tokenEnd(b, pos, sp1) !== sp1) return fail(h, "bad method");
  if (!isRequestTarget(b, sp1 + 1, sp2)) return fail(h, "bad request target");
  const version = httpVersion(b, sp2 + 1, eol);
  if (version === 0) return fail(h, "unsupported HTTP version", 505);
  if (version < 0) return fail(h, "malformed request line");
  h.version = version;
  h.method = knownMethod(b, pos, sp1) ?? s.slice(pos, sp1);
  h.path = s.slice(sp1 + 1, sp2);
  return 0;
}

/**
 * Parses the head in b[0, len) (up to but excluding the final CRLF CRLF). Positions are found
 * on the bytes, which is several times cheaper than `charCodeAt` on the string; the string (the
 * same bytes as latin1) is only sliced, for values.
 */
export function parseRequestHead(b: Buffer, len: number, h: RequestHead): number {
  const s = latin1(b, 0, len);
  let pos = 0;
  while (pos + 1 < len && b[pos] === 13 && b[pos + 1] === 10) pos += 2; // RFC 9112 §2.2: ignore leading empty lines
  let raw = pos === 0;
  let eol = crlfIndex(b, pos, len);
  if (eol < 0) eol = len;
  const lineStatus = parseRequestLine(b, s, pos, eol, h);
  if (lineStatus !== 0) return lineStatus;
  const target = h.path;
  h.path = ""; // set from the target once the head is good
  let hostHeader: string | undefined;
  let te: string | undefined;
  let connection = -1; // CONN_* bits of every `connection` field, -1 while there is none
  pos = eol + 2;
  const headers = h.headers;
  while (pos < len) {
    const c0 = b[pos];
    if (c0 === 32 || c0 === 9) return fail(h, "obsolete line folding");
    // One pass over the name (token bytes up to the colon) and one over the value (field-value
    // bytes up to CR LF): each check also finds the next delimiter.
    let colon = fieldNameEnd(b, pos, len);
    const upper = colon < 0;
    if (upper) colon = ~colon;
    if (colon === pos || colon === len || b[colon] !== 58) {
      let lineEnd = crlfIndex(b, pos, len);
      if (lineEnd < 0) lineEnd = len;
      return fail(h, byteIndex(b, 58, pos, lineEnd) > pos ? "bad header name" : "malformed header line");
    }
    const end = fieldValueEnd(b, colon + 1, len);
    if (end < len && !(b[end] === 13 && end + 1 < len && b[end + 1] === 10)) return fail(h, "bad header value");
    const vs = valueStart(b, colon + 1, end);
    const ve = valueEnd(b, vs, end);
    if (raw) {
      if (vs !== colon + 2 || b[colon + 1] !== 32 || ve !== end) raw = false;
      else if (upper) for (let i = pos; i < colon; i++) { const c = b[i] as number; if (c <= 90 && c >= 65) b[i] = c | 32; }
    }
    // A well-known name is a shared string and a small integer to switch on; only another is sliced.
    const known = knownHeaderIndex(b, pos, colon);
    const name = known >= 0 ? KNOWN_NAMES[known] as string : upper ? s.slice(pos, colon).toLowerCase() : s.slice(pos, colon);
    const value = known === KnownName.Host ? hostValue(b, s, vs, ve) : s.slice(vs, ve);
    switch (known) {
      case KnownName.Host:
        if (hostHeader !== undefined) return fail(h, "multiple host headers");
        hostHeader = value;
        break;
      case KnownName.ContentLength: {
        const n = parseContentLength(b, vs, ve);
        if (n < 0) return fail(h, "bad content-length");
        if (h.contentLength >= 0 && h.contentLength !== n) return fail(h, "conflicting content-length headers");
        h.contentLength = n;
        break;
      }
      case KnownName.TransferEncoding:
        te = te === undefined ? value : `${te}, ${value}`;
        break;
      case KnownName.Connection:
        connection = (connection < 0 ? 0 : connection) | connectionOptions(b, vs, ve);
        raw = false;
        break;
      case KnownName.Upgrade:
        h.upgrade = value;
        raw = false;
        break;
      case KnownName.KeepAlive: case KnownName.ProxyConnection: case KnownName.Te:
        raw = false;
        break;
      case KnownName.XForwardedProto:
        h.forwardedProto = true;
        break;
      case KnownName.Expect:
        if (value.toLowerCase() === "100-continue") h.expectContinue = true;
        break;
    }
    headers.push(name, value);
    pos = end + 2;
  }
  if (te !== undefined) {
    if (h.version === 10) return fail(h, "transfer-encoding in an HTTP/1.0 request");
    const t = te.toLowerCase().trim();
    if (t !== "chunked") {
      const lastCoding = t.slice(t.lastIndexOf(",") + 1).trim();
      return lastCoding === "chunked" ? fail(h, "unsupported transfer-encoding", 501) : fail(h, "transfer-encoding without final chunked");
    }
    if (h.contentLength >= 0) return fail(h, "both content-length and transfer-encoding");
    h.chunked = true;
  }
  if (closesConnection(h.version, connection)) h.close = true;
  if (connection < 0 || (connection & CONN_UPGRADE) === 0) h.upgrade = "";
  const t0 = target.charCodeAt(0);
  if (t0 === 47 /* / */) {
    h.path = target;
    if (raw && h.version === 11) h.rawEdits = headers.edits;
  }
  else if (target === "*" && h.method === "OPTIONS") h.path = target;
  else if (target.startsWith("http://") || target.startsWith("https://")) {
    const from = target.indexOf("//") + 2;
    let slash = target.indexOf("/", from);
    if (slash < 0) slash = target.length;
    hostHeader = target.slice(from, slash);
    h.path = slash === target.length ? "/" : target.slice(slash);
  } else if (h.method === "CONNECT") {
    h.path = "";
    hostHeader = target;
  } else return fail(h, "bad request target");
  if (hostHeader === undefined) {
    if (h.version === 11) return fail(h, "missing host header");
    hostHeader = "";
  }
  h.authority = hostHeader;
  return 0;
}
