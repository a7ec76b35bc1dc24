// Parses an HTTP/1.1 request head (request line + fields) into what routing and connection
// management need; everything else is kept as name/value pairs and forwarded. Returns 0, or
// the status to answer with (400 malformed or smuggling, 501 unknown transfer coding, 505 version).
import { HeaderList } from "../header-list.js";
import { TOKEN, FIELD_VALUE, TARGET, allIn, hasToken } from "./head-syntax.js";
import { lowerHeaderName } from "./header-names.js";

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
}

function fail(h: RequestHead, why: string, status = 400): number {
  h.error = why;
  return status;
}

/** Parses head text `s` (latin1, up to but excluding the final CRLF CRLF). */
export function parseRequestHead(s: string, h: RequestHead): number {
  let pos = 0;
  while (s.startsWith("\r\n", pos)) pos += 2; // RFC 9112 §2.2: ignore leading empty lines
  let eol = s.indexOf("\r\n", pos);
  if (eol < 0) eol = s.length;
  const sp1 = s.indexOf(" ", pos);
  if (sp1 <= pos || sp1 >= eol) return fail(h, "malformed request line");
  const sp2 = s.indexOf(" ", sp1 + 1);
  if (sp2 <= sp1 + 1 || sp2 >= eol) return fail(h, "malformed request line");
  for (let i = pos; i < sp1; i++) if (TOKEN[s.charCodeAt(i)] !== 1) return fail(h, "bad method");
  if (!allIn(TARGET, s, sp1 + 1, sp2)) return fail(h, "bad request target");
  const ver = s.slice(sp2 + 1, eol);
  if (ver === "HTTP/1.1") h.version = 11;
  else if (ver === "HTTP/1.0") h.version = 10;
  else if (/^HTTP\/\d\.\d$/.test(ver)) return fail(h, "unsupported HTTP version", 505);
  else return fail(h, "malformed request line");
  h.method = s.slice(pos, sp1);
  const target = s.slice(sp1 + 1, sp2);
  let hostHeader: string | undefined;
  let te: string | undefined;
  let connection = "";
  pos = eol + 2;
  const headers = h.headers;
  while (pos < s.length) {
    let end = s.indexOf("\r\n", pos);
    if (end < 0) end = s.length;
    const c0 = s.charCodeAt(pos);
    if (c0 === 32 || c0 === 9) return fail(h, "obsolete line folding");
    const colon = s.indexOf(":", pos);
    if (colon <= pos || colon >= end) return fail(h, "malformed header line");
    for (let i = pos; i < colon; i++) if (TOKEN[s.charCodeAt(i)] !== 1) return fail(h, "bad header name");
    let vs = colon + 1;
    let ve = end;
    while (vs < ve && (s.charCodeAt(vs) === 32 || s.charCodeAt(vs) === 9)) vs++;
    while (ve > vs && (s.charCodeAt(ve - 1) === 32 || s.charCodeAt(ve - 1) === 9)) ve--;
    if (!allIn(FIELD_VALUE, s, vs, ve)) return fail(h, "bad header value");
    const name = lowerHeaderName(s, pos, colon);
    const value = s.slice(vs, ve);
    switch (name) {
      case "host":
        if (hostHeader !== undefined) return fail(h, "multiple host headers");
        hostHeader = value;
        break;
      case "content-length": {
        const n = parseContentLength(value);
        if (n < 0) return fail(h, "bad content-length");
        if (h.contentLength >= 0 && h.contentLength !== n) return fail(h, "conflicting content-length headers");
        h.contentLength = n;
        break;
      }
      case "transfer-encoding":
        te = te === undefined ? value : `${te}, ${value}`;
        break;
      case "connection":
        connection = connection === "" ? value : `${connection}, ${value}`;
        break;
      case "upgrade":
        h.upgrade = value;
        break;
      case "expect":
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
  if (connection !== "") {
    if (hasToken(connection, "close")) h.close = true;
    else if (h.version === 10 && !hasToken(connection, "keep-alive")) h.close = true;
  } else if (h.version === 10) h.close = true;
  if (!hasToken(connection, "upgrade")) h.upgrade = "";
  const t0 = target.charCodeAt(0);
  if (t0 === 47 /* / */) h.path = target;
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

/** Digits only (or a list of identical values "5, 5"); -1 when invalid. */
function parseContentLength(v: string): number {
  let n = -1;
  let cur = -1;
  for (let i = 0; i <= v.length; i++) {
    const c = i === v.length ? 44 : v.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      cur = cur < 0 ? c - 48 : cur * 10 + (c - 48);
      if (cur > Number.MAX_SAFE_INTEGER / 10) return -1;
    } else if (c === 44) {
      if (cur < 0 || (n >= 0 && n !== cur)) return -1;
      n = cur;
      cur = -1;
      while (i + 1 < v.length && v.charCodeAt(i + 1) === 32) i++;
    } else return -1;
  }
  return n;
}
