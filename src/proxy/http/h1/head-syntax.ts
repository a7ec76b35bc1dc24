// Character classes for HTTP/1.1 heads (RFC 9110 tokens, field values), as lookup tables, and
// the small scans the head parsers share.
import { Buffer } from "node:buffer";
import { sameBytesIgnoringCase } from "./header-names.js";

type Latin1Slice = (this: Buffer, start: number, end: number) => string;
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: Latin1Slice }).latin1Slice;

/**
 * `buf.toString("latin1", start, end)` (bounds already valid) through the method toString itself
 * calls, held here: TurboFan leaves every method load on a Buffer a generic inline-cache call.
 */
export function latin1(buf: Buffer, start: number, end: number): string {
  return typeof latin1Slice === "function" ? latin1Slice.call(buf, start, end) : buf.toString("latin1", start, end);
}

// The tables stay private to this module and are read only by the scans below: TurboFan folds a
// module's own constant into the code that inlines its functions, but re-reads an imported binding
// on every loop step (a cell load, a hole check, a map check), which costs more than the lookup.

/** tchar (RFC 9110 §5.6.2): 1, or 2 for A–Z (a field name with capitals is lower-cased). */
const TOKEN = new Uint8Array(256);
for (const ch of "!#$%&'*+-.^_`|~") TOKEN[ch.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = 2;
for (let c = 97; c <= 122; c++) TOKEN[c] = 1;

/** Allowed in a field value: HTAB, SP, VCHAR, obs-text. */
const FIELD_VALUE = new Uint8Array(256);
FIELD_VALUE[9] = 1;
for (let c = 32; c <= 126; c++) FIELD_VALUE[c] = 1;
for (let c = 128; c <= 255; c++) FIELD_VALUE[c] = 1;

/** Allowed in a request-target: VCHAR except nothing else (no SP, CTL, DEL). */
const TARGET = new Uint8Array(256);
for (let c = 33; c <= 126; c++) TARGET[c] = 1;
for (let c = 128; c <= 255; c++) TARGET[c] = 1;

// Each scan reads its own table by name rather than taking one as a parameter: a scan that is
// not inlined (TurboFan's budget for a large caller runs out) still has its table folded in.
// Four bytes a step, then one: every step repeats its checks on `b`, so fewer steps is most of
// what a scan costs.

/** The end of the token (tchar bytes) starting at `from`: the first other byte, or `to`. */
export function tokenEnd(b: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i + 4 <= to && TOKEN[b[i] as number] !== 0 && TOKEN[b[i + 1] as number] !== 0 && TOKEN[b[i + 2] as number] !== 0
    && TOKEN[b[i + 3] as number] !== 0) i += 4;
  while (i < to && TOKEN[b[i] as number] !== 0) i++;
  return i;
}

/**
 * The end of the field name (tchar bytes) starting at `from`, or its bitwise complement (a
 * negative number) when the name has capitals: one pass finds both.
 */
export function fieldNameEnd(b: Uint8Array, from: number, to: number): number {
  let i = from;
  let seen = 0;
  for (; i + 4 <= to; i += 4) {
    const t0 = TOKEN[b[i] as number] as number, t1 = TOKEN[b[i + 1] as number] as number;
    const t2 = TOKEN[b[i + 2] as number] as number, t3 = TOKEN[b[i + 3] as number] as number;
    if (t0 === 0 || t1 === 0 || t2 === 0 || t3 === 0) break;
    seen |= t0 | t1 | t2 | t3;
  }
  for (; i < to; i++) {
    const t = TOKEN[b[i] as number] as number;
    if (t === 0) break;
    seen |= t;
  }
  return (seen & 2) === 0 ? i : ~i;
}

/** The end of the field value (HTAB, SP, VCHAR, obs-text) starting at `from`. */
export function fieldValueEnd(b: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i + 4 <= to && FIELD_VALUE[b[i] as number] !== 0 && FIELD_VALUE[b[i + 1] as number] !== 0
    && FIELD_VALUE[b[i + 2] as number] !== 0 && FIELD_VALUE[b[i + 3] as number] !== 0) i += 4;
  while (i < to && FIELD_VALUE[b[i] as number] !== 0) i++;
  return i;
}

/** Is byte c a tchar? (For cold paths; the scans above read the table themselves.) */
export function isTokenByte(c: number): boolean {
  return TOKEN[c] !== 0;
}

/** May byte c stand in a field value? (For cold paths, as isTokenByte.) */
export function isFieldValueByte(c: number): boolean {
  return FIELD_VALUE[c] !== 0;
}

/** Are b[from, to) all request-target bytes? */
export function isRequestTarget(b: Uint8Array, from: number, to: number): boolean {
  let i = from;
  while (i + 4 <= to && TARGET[b[i] as number] !== 0 && TARGET[b[i + 1] as number] !== 0 && TARGET[b[i + 2] as number] !== 0
    && TARGET[b[i + 3] as number] !== 0) i += 4;
  while (i < to && TARGET[b[i] as number] !== 0) i++;
  return i === to;
}

/** The first CR in b[from, to), or `to`; four bytes a step, as the scans above. */
export function crIndex(b: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i + 4 <= to && b[i] !== 13 && b[i + 1] !== 13 && b[i + 2] !== 13 && b[i + 3] !== 13) i += 4;
  while (i < to && b[i] !== 13) i++;
  return i;
}

/** The first colon or CR in b[from, to), or `to`: where a field line's name ends, four bytes a step. */
export function colonOrCrIndex(b: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i + 4 <= to && b[i] !== 58 && b[i] !== 13 && b[i + 1] !== 58 && b[i + 1] !== 13
    && b[i + 2] !== 58 && b[i + 2] !== 13 && b[i + 3] !== 58 && b[i + 3] !== 13) i += 4;
  while (i < to && b[i] !== 58 && b[i] !== 13) i++;
  return i;
}

/** Where a field value in b[from, to) starts once its leading whitespace (SP, HTAB) is skipped. */
export function valueStart(b: Uint8Array, from: number, to: number): number {
  while (from < to && (b[from] === 32 || b[from] === 9)) from++;
  return from;
}

/** Where a field value in b[from, to) ends once its trailing whitespace is dropped. */
export function valueEnd(b: Uint8Array, from: number, to: number): number {
  while (to > from && (b[to - 1] === 32 || b[to - 1] === 9)) to--;
  return to;
}

/** Index of byte `code` in b[from, to), or -1: a loop the JIT inlines, cheaper than a native call for a header line. */
export function byteIndex(b: Uint8Array, code: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (b[i] === code) return i;
  return -1;
}

/** Index of the next CR LF in b[from, to), or -1. */
export function crlfIndex(b: Uint8Array, from: number, to: number): number {
  for (let i = crIndex(b, from, to); i < to - 1; i = crIndex(b, i + 1, to)) if (b[i + 1] === 10) return i;
  return -1;
}

/** Heads up to this long are scanned in JS; Buffer.indexOf's native call costs more than that. */
const SCAN_IN_JS_BYTES = 2048;

/**
 * Index of "\r\n\r\n" + 4 in buf[0, len), or -1. Short heads (nearly all) are scanned here, four bytes
 * at a step: a window's last byte that is neither CR nor LF rules out every match ending in the
 * window. A native `indexOf` call cost about 1,100 instructions per head, the scan a fifth of that.
 */
export function findHeadEnd(buf: Buffer, from: number, len = buf.length): number {
  const start = from > 3 ? from - 3 : 0;
  if (len - start > SCAN_IN_JS_BYTES) {
    const i = buf.indexOf("\r\n\r\n", start, "latin1");
    return i < 0 || i + 4 > len ? -1 : i + 4;
  }
  // i is the last byte of the candidate match [i-3, i].
  let i = start + 3;
  while (i < len) {
    const c = buf[i] as number;
    if (c !== 10) { i += c === 13 ? 1 : 4; continue; }
    if (buf[i - 1] === 13 && buf[i - 2] === 10 && buf[i - 3] === 13) return i + 1;
    i += 2; // an LF not ending a match: the next possible end is two bytes on (CR LF)
  }
  return -1;
}

/**
 * Does the field value in b[from, to) (comma-separated tokens) contain `token` (lower-case bytes),
 * case-insensitively? Tokens are the runs between commas, spaces and tabs, compared in place on
 * the head's bytes: no string for the value, and no lower-cased copy of it.
 */
export function hasToken(b: Uint8Array, from: number, to: number, token: Uint8Array): boolean {
  let i = from;
  while (i < to) {
    let c = b[i];
    if (c === 44 || c === 32 || c === 9) { i++; continue; }
    let j = i + 1;
    while (j < to && (c = b[j]) !== 44 && c !== 32 && c !== 9) j++;
    if (j - i === token.length && sameBytesIgnoringCase(b, i, token)) return true;
    i = j;
  }
  return false;
}

export const CHUNKED = Buffer.from("chunked", "latin1");
const CLOSE = Buffer.from("close", "latin1");
const KEEP_ALIVE = Buffer.from("keep-alive", "latin1");
const UPGRADE = Buffer.from("upgrade", "latin1");

/** connectionOptions' answer: which of the options that matter a `connection` value names. */
export const CONN_CLOSE = 1, CONN_KEEP_ALIVE = 2, CONN_UPGRADE = 4;

/** The `connection` options in b[from, to) that change how the connection is used, as CONN_* bits. */
export function connectionOptions(b: Uint8Array, from: number, to: number): number {
  return (hasToken(b, from, to, CLOSE) ? CONN_CLOSE : 0) | (hasToken(b, from, to, KEEP_ALIVE) ? CONN_KEEP_ALIVE : 0)
    | (hasToken(b, from, to, UPGRADE) ? CONN_UPGRADE : 0);
}

/** Does a message of HTTP `version` (10 or 11) with these `connection` options (-1: no such field) end its connection? */
export function closesConnection(version: number, options: number): boolean {
  if (options < 0) return version === 10;
  return (options & CONN_CLOSE) !== 0 || (version === 10 && (options & CONN_KEEP_ALIVE) === 0);
}

/**
 * The content-length value in b[from, to): digits only (or a list of identical values "5, 5", as
 * RFC 9110 §8.6 allows); -1 when invalid.
 */
export function parseContentLength(b: Uint8Array, from: number, to: number): number {
  let n = -1;
  let cur = -1;
  for (let i = from; i <= to; i++) {
    const c = i === to ? 44 : (b[i] as number);
    if (c >= 48 && c <= 57) {
      cur = cur < 0 ? c - 48 : cur * 10 + (c - 48);
      if (cur > Number.MAX_SAFE_INTEGER / 10) return -1;
    } else if (c === 44) {
      if (cur < 0 || (n >= 0 && n !== cur)) return -1;
      n = cur;
      cur = -1;
      while (i + 1 < to && b[i + 1] === 32) i++;
    } else return -1;
  }
  return n;
}
