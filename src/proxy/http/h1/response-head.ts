// Parses an upstream HTTP/1.1 response head minimally, on its bytes: status, body framing,
// connection reuse. No string is made for it: the header list is built only when something asks
// for it (retry policies, header mutations, filters, a rewritten head), and a response relayed as
// it came never needs one. A head string cost about a third of the parse (a call into Node).
import { HeaderList } from "../header-list.js";
import { hasToken, parseContentLength, crlfIndex, crIndex, colonOrCrIndex, tokenEnd, fieldValueEnd, valueStart, valueEnd, latin1, CHUNKED, connectionOptions, closesConnection } from "./head-syntax.js";
import { lowerHeaderName, knownHeaderIndex, KnownName } from "./header-names.js";

export class ResponseHead {
  status = 0;
  version = 11;
  /**
   * The bytes the head was parsed from, b[0, len), and where its field lines start: valid until
   * the connection reads into that buffer again, so the connection calls detach() at the end of
   * each read.
   */
  private bytes: Uint8Array | null = null;
  private len = 0;
  private fieldsAt = 0;
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
  /** `date` lines: a response without one gets the proxy's, as Envoy's HCM adds it when absent. */
  dateLines = 0;
  /** `x-envoy-peer-metadata` and `-id` lines (Istio's metadata exchange: only then has the stats filter's hook work to do). */
  peerMetadataLines = 0;

  /** The fields as lower-case names and values, built from the head's bytes on first use. */
  get headers(): HeaderList {
    if (this.list === null) this.list = this.bytes === null ? new HeaderList() : fieldList(this.bytes, this.len, this.fieldsAt);
    return this.list;
  }

  /** @internal Set by parseResponseHead. */
  parsedFrom(b: Uint8Array, len: number, fieldsAt: number): void {
    this.bytes = b;
    this.len = len;
    this.fieldsAt = fieldsAt;
  }

  /**
   * The buffer the head was read into is about to be reused. `stillNeeded`: its response is still
   * in progress, so the fields are built now, while their bytes are there. A head whose response
   * is done is asked for nothing more.
   */
  detach(stillNeeded: boolean): void {
    if (stillNeeded && this.bytes !== null) void this.headers;
    this.bytes = null;
  }
}

/**
 * The lengths of the names parseResponseHead acts on, as bits: a name of another length (most,
 * e.g. content-type) is not looked up at all.
 */
const ACTED_ON_LENGTHS = [
  "content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection", "server", "date",
  "x-envoy-upstream-service-time", "x-envoy-peer-metadata", "x-envoy-peer-metadata-id",
].reduce((bits, name) => bits | (1 << name.length), 0);

/** The header list of a head already parsed, b[0, len) from `from` (its field lines are well formed). */
function fieldList(b: Uint8Array, len: number, from: number): HeaderList {
  const list = new HeaderList();
  if (from >= len) return list;
  const text = latin1(b as Buffer, 0, len);
  for (let pos = from; pos < len;) {
    const colon = colonOrCrIndex(b, pos, len);
    if (colon >= len) break;
    const end = crIndex(b, colon + 1, len);
    const vs = valueStart(b, colon + 1, end);
    list.push(lowerHeaderName(b, text, pos, colon), text.slice(vs, valueEnd(b, vs, end)));
    pos = end + 2;
  }
  return list;
}

/** The decimal digit at `i`, or NaN. */
function digit(b: Uint8Array, i: number): number {
  const c = (b[i] as number) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
}

/** Parses the head in b[0, len) (excluding the final CRLF CRLF); false when malformed. */
export function parseResponseHead(b: Buffer, len: number, r: ResponseHead): boolean {
  let eol = crlfIndex(b, 0, len);
  if (eol < 0) eol = len;
  // "HTTP/1.x NNN" at least; every index read below is inside the head.
  if (len < 12 || b[0] !== 72 || b[1] !== 84 || b[2] !== 84 || b[3] !== 80 || b[4] !== 47 || b[5] !== 49 || b[6] !== 46) return false;
  r.version = b[7] === 49 ? 11 : 10;
  const status = digit(b, 9) * 100 + digit(b, 10) * 10 + digit(b, 11);
  if (b[8] !== 32 || !(status >= 100)) return false;
  // Three digits, then SP and a reason phrase (HTAB, SP, VCHAR, obs-text), or the line's end.
  if (eol > 12 && (b[12] !== 32 || fieldValueEnd(b, 13, eol) !== eol)) return false;
  r.status = status;
  let connection = -1; // CONN_* bits of every `connection` field, -1 while there is none
  r.parsedFrom(b, len, eol + 2);
  // The field lines, walked inline: only the fields acted on need their value's bounds, and the
  // scans inline into this loop (a line-walker's step and a name check called once a line were
  // about a third of the parse). The head goes to the client as it came, so every byte is
  // checked: a name of tchars, then a colon; a value of field-value bytes, then CR LF (an
  // obs-fold line, starting with whitespace, has no name and fails).
  let pos = eol + 2;
  while (pos < len) {
    const colon = tokenEnd(b, pos, len);
    if (colon === pos || colon === len || b[colon] !== 58) return false;
    const end = fieldValueEnd(b, colon + 1, len);
    if (end < len && !(b[end] === 13 && end + 1 < len && b[end + 1] === 10)) return false;
    const nameLength = colon - pos;
    switch (nameLength < 32 && ((ACTED_ON_LENGTHS >>> nameLength) & 1) === 1 ? knownHeaderIndex(b, pos, colon) : -1) {
      case KnownName.ContentLength: {
        const n = parseContentLength(b, valueStart(b, colon + 1, end), valueEnd(b, colon + 1, end));
        if (n < 0) return false;
        if (r.contentLength >= 0 && r.contentLength !== n) return false;
        r.contentLength = n;
        break;
      }
      case KnownName.TransferEncoding:
        if (hasToken(b, colon + 1, end, CHUNKED)) r.chunked = true;
        break;
      case KnownName.Connection:
        connection = (connection < 0 ? 0 : connection) | connectionOptions(b, colon + 1, end);
        r.hopByHop = true;
        break;
      case KnownName.KeepAlive: case KnownName.ProxyConnection:
        r.hopByHop = true;
        break;
      case KnownName.Server:
        r.serverLines++;
        r.serverStart = pos;
        r.serverEnd = end + 2;
        break;
      case KnownName.XEnvoyPeerMetadata: case KnownName.XEnvoyPeerMetadataId:
        r.peerMetadataLines++;
        break;
      case KnownName.Date:
        r.dateLines++;
        break;
      case KnownName.XEnvoyUpstreamServiceTime:
        r.serviceTimeLines++;
        r.serviceTimeStart = pos;
        r.serviceTimeEnd = end + 2;
        break;
    }
    pos = end + 2;
  }
  if (r.chunked) r.contentLength = -1;
  if (closesConnection(r.version, connection)) r.close = true;
  return true;
}
