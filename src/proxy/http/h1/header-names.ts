// Lower-case header names without a new string for the common ones: a head's field names are
// looked up in a table of well-known names (compared case-insensitively in place) and only an
// unknown name is sliced and lower-cased. Saves two small strings per field on every request and
// response head.

const KNOWN = [
  "host", "date", "etag", "vary", "via", "te", "age", "allow", "accept", "server", "cookie", "expect", "origin",
  "upgrade", "referer", "expires", "location", "connection", "keep-alive", "user-agent", "set-cookie",
  "content-type", "content-length", "content-encoding", "transfer-encoding", "accept-encoding", "accept-language",
  "authorization", "cache-control", "last-modified", "if-none-match", "if-modified-since", "accept-ranges",
  "x-request-id", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-envoy-attempt-count",
  "x-envoy-upstream-service-time", "x-envoy-decorator-operation", "x-envoy-peer-metadata", "x-envoy-peer-metadata-id",
  "traceparent", "tracestate", "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled", "b3",
  "grpc-status", "grpc-message", "grpc-timeout", "proxy-connection", "strict-transport-security",
];

/** Candidates by length, and their bytes. */
const BY_LENGTH: string[][] = [];
const BYTES_BY_LENGTH: Uint8Array[][] = [];
for (const name of KNOWN) {
  (BY_LENGTH[name.length] ??= []).push(name);
  (BYTES_BY_LENGTH[name.length] ??= []).push(Buffer.from(name, "latin1"));
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

/** The well-known name the bytes b[from, to) spell in any case, or null. */
export function knownHeaderName(b: Uint8Array, from: number, to: number): string | null {
  const candidates = BY_LENGTH[to - from];
  if (candidates === undefined) return null;
  const bytes = BYTES_BY_LENGTH[to - from] as Uint8Array[];
  for (let i = 0; i < candidates.length; i++) {
    if (sameBytesIgnoringCase(b, from, bytes[i] as Uint8Array)) return candidates[i] as string;
  }
  return null;
}

/**
 * `s.slice(from, to).toLowerCase()`, without allocating when it is a well-known name; `b` holds
 * the same bytes as `s` (latin1), compared as bytes: `charCodeAt` costs several times a byte load.
 * `mayHaveUpper` false (the caller saw no A–Z) skips lower-casing an unknown name.
 */
export function lowerHeaderName(b: Uint8Array, s: string, from: number, to: number, mayHaveUpper = true): string {
  const known = knownHeaderName(b, from, to);
  if (known !== null) return known;
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
