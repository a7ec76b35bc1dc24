// Lower-case header names without a new string for the common ones: a head's field names are
// looked up in a table of well-known names (compared case-insensitively in place) and only an
// unknown name is sliced and lower-cased. Saves two small strings per field on every request and
// response head.

/**
 * The names the head parsers act on come first: their indexes in KNOWN_NAMES are the parsers'
 * switch cases (the unit test checks each against the list). A const enum, so the cases compile to
 * literals: an imported constant is re-read from its module cell at every case.
 */
export const enum KnownName {
  Host = 0, ContentLength = 1, TransferEncoding = 2, Connection = 3, Upgrade = 4, KeepAlive = 5, ProxyConnection = 6, Te = 7,
  XForwardedProto = 8, Expect = 9, Server = 10, Date = 11, XEnvoyUpstreamServiceTime = 12, XEnvoyPeerMetadata = 13,
  XEnvoyPeerMetadataId = 14,
}

export const KNOWN_NAMES: readonly string[] = [
  "host", "content-length", "transfer-encoding", "connection", "upgrade", "keep-alive", "proxy-connection", "te",
  "x-forwarded-proto", "expect", "server", "date", "x-envoy-upstream-service-time", "x-envoy-peer-metadata",
  "x-envoy-peer-metadata-id",
  "etag", "vary", "via", "age", "allow", "accept", "cookie", "origin", "referer", "expires", "location",
  "user-agent", "set-cookie", "content-type", "content-encoding", "accept-encoding", "accept-language",
  "authorization", "cache-control", "last-modified", "if-none-match", "if-modified-since", "accept-ranges",
  "x-request-id", "x-forwarded-for", "x-forwarded-host", "x-envoy-attempt-count", "x-envoy-decorator-operation",
  "traceparent", "tracestate", "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled", "b3",
  "grpc-status", "grpc-message", "grpc-timeout", "strict-transport-security",
];

/**
 * A slot from a name's length and its first, middle and last bytes (case folded loosely: only a
 * candidate is looked up, the bytes are then compared exactly). Three loads instead of comparing
 * every candidate of that length: most unknown names find an empty slot and compare nothing.
 */
function slotOf(n: number, first: number, middle: number, last: number): number {
  return ((n << 5) ^ (first | 32) ^ ((last | 32) << 2) ^ ((middle | 32) << 1)) & 511;
}

/** The known names' bytes end to end, where each starts, and per slot its first name and the next in its chain (-1: none). */
const NAME_BYTES = Buffer.from(KNOWN_NAMES.join(""), "latin1");
const NAME_AT = new Int32Array(KNOWN_NAMES.length + 1);
const SLOT_FIRST = new Int16Array(512).fill(-1);
const NEXT_IN_SLOT = new Int16Array(KNOWN_NAMES.length).fill(-1);
for (let i = 0, at = 0; i < KNOWN_NAMES.length; i++) {
  const name = KNOWN_NAMES[i] as string;
  NAME_AT[i] = at;
  at += name.length;
  NAME_AT[i + 1] = at;
  const slot = slotOf(name.length, name.charCodeAt(0), name.charCodeAt(name.length >> 1), name.charCodeAt(name.length - 1));
  NEXT_IN_SLOT[i] = SLOT_FIRST[slot] as number;
  SLOT_FIRST[slot] = i;
}

/** The index in KNOWN_NAMES of the name b[from, to) spells in any case, or -1. */
export function knownHeaderIndex(b: Uint8Array, from: number, to: number): number {
  const n = to - from;
  if (n <= 0) return -1;
  let i = SLOT_FIRST[slotOf(n, b[from] as number, b[from + (n >> 1)] as number, b[to - 1] as number)] as number;
  for (; i >= 0; i = NEXT_IN_SLOT[i] as number) {
    const at = NAME_AT[i] as number;
    if ((NAME_AT[i + 1] as number) - at === n && spellsName(b, from, at, n)) return i;
  }
  return -1;
}

/**
 * Do b[from, from + n) spell NAME_BYTES[at, at + n) in any case? Known names are lower-case
 * letters, digits and '-': c | 32 equals such a byte, for c >= 65, only when c is its capital.
 * Four bytes a step: a loop step re-checks `b` (its map, its length) after the loop's interrupt
 * check, where four loads in a row share one check. It reads NAME_BYTES by name rather than
 * sharing sameBytesIgnoringCase with the table as a parameter: that version, not inlined into
 * parseRequestHead, measured about 450 instructions a request more.
 */
function spellsName(b: Uint8Array, from: number, at: number, n: number): boolean {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const c0 = b[from + j] as number, c1 = b[from + j + 1] as number, c2 = b[from + j + 2] as number, c3 = b[from + j + 3] as number;
    const k0 = NAME_BYTES[at + j] as number, k1 = NAME_BYTES[at + j + 1] as number;
    const k2 = NAME_BYTES[at + j + 2] as number, k3 = NAME_BYTES[at + j + 3] as number;
    if (c0 !== k0 && (c0 < 65 || (c0 | 32) !== k0)) return false;
    if (c1 !== k1 && (c1 < 65 || (c1 | 32) !== k1)) return false;
    if (c2 !== k2 && (c2 < 65 || (c2 | 32) !== k2)) return false;
    if (c3 !== k3 && (c3 < 65 || (c3 | 32) !== k3)) return false;
  }
  for (; j < n; j++) {
    const c = b[from + j] as number, k = NAME_BYTES[at + j] as number;
    if (c !== k && (c < 65 || (c | 32) !== k)) return false;
  }
  return true;
}

/**
 * Do the bytes at `from` spell `known` (lower-case bytes), ignoring ASCII case? Four bytes a
 * step: each step of a byte loop repeats its checks on both arrays (TurboFan does not hoist them
 * out of a loop), so fewer steps is most of the cost.
 */
export function sameBytesIgnoringCase(b: Uint8Array, from: number, known: Uint8Array): boolean {
  const n = known.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const c0 = b[from + i] as number, c1 = b[from + i + 1] as number, c2 = b[from + i + 2] as number, c3 = b[from + i + 3] as number;
    const k0 = known[i] as number, k1 = known[i + 1] as number, k2 = known[i + 2] as number, k3 = known[i + 3] as number;
    if (c0 !== k0 && !(k0 >= 97 && k0 <= 122 && c0 === k0 - 32)) return false;
    if (c1 !== k1 && !(k1 >= 97 && k1 <= 122 && c1 === k1 - 32)) return false;
    if (c2 !== k2 && !(k2 >= 97 && k2 <= 122 && c2 === k2 - 32)) return false;
    if (c3 !== k3 && !(k3 >= 97 && k3 <= 122 && c3 === k3 - 32)) return false;
  }
  for (; i < n; i++) {
    const c = b[from + i] as number;
    const k = known[i] as number;
    if (c !== k && !(k >= 97 && k <= 122 && c === k - 32)) return false;
  }
  return true;
}

/**
 * `s.slice(from, to).toLowerCase()`, without allocating when it is a well-known name; `b` holds
 * the same bytes as `s` (latin1), compared as bytes: `charCodeAt` costs several times a byte load.
 * `mayHaveUpper` false (the caller saw no A–Z) skips lower-casing an unknown name.
 */
export function lowerHeaderName(b: Uint8Array, s: string, from: number, to: number, mayHaveUpper = true): string {
  const known = knownHeaderIndex(b, from, to);
  if (known >= 0) return KNOWN_NAMES[known] as string;
  const name = s.slice(from, to);
  return mayHaveUpper ? name.toLowerCase() : name; // toLowerCase is a call into the runtime
}

const METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE"];
const METHOD_BYTES = METHODS.map((m) => Buffer.from(m, "latin1"));

/** The method in b[from, to) when it is one of HTTP's own (case-sensitive, RFC 9110 §9.1), else null. */
export function knownMethod(b: Uint8Array, from: number, to: number): string | null {
  for (let i = 0; i < METHODS.length; i++) {
    const m = METHOD_BYTES[i] as Uint8Array;
    if (m.length !== to - from) continue;
    let same = true;
    for (let j = 0; j < m.length; j++) if (b[from + j] !== m[j]) { same = false; break; }
    if (same) return METHODS[i] as string;
  }
  return null;
}
