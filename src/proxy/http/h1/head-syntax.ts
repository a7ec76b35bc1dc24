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

export const TOKEN = new Uint8Array(256);
for (const ch of "!#$%&'*+-.^_`|~") TOKEN[ch.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN[c] = 1;

/** Allowed in a field value: HTAB, SP, VCHAR, obs-text. */
export const FIELD_VALUE = new Uint8Array(256);
FIELD_VALUE[9] = 1;
for (let c = 32; c <= 126; c++) FIELD_VALUE[c] = 1;
for (let c = 128; c <= 255; c++) FIELD_VALUE[c] = 1;

/** Allowed in a request-target: VCHAR except nothing else (no SP, CTL, DEL). */
export const TARGET = new Uint8Array(256);
for (let c = 33; c <= 126; c++) TARGET[c] = 1;
for (let c = 128; c <= 255; c++) TARGET[c] = 1;

export function allIn(table: Uint8Array, b: Uint8Array, from: number, to: number): boolean {
  return spanIn(table, b, from, to) === to;
}

/**
 * The end of the run of `table` bytes in b[from, to): the first byte not in it, or `to`. Four
 * bytes a step, then one: every step of a byte loop repeats its checks on the arrays (TurboFan
 * keeps them inside loops), so fewer steps is most of what a scan costs.
 */
export function spanIn(table: Uint8Array, b: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i + 4 <= to && table[b[i] as number] === 1 && table[b[i + 1] as number] === 1 && table[b[i + 2] as number] === 1
    && table[b[i + 3] as number] === 1) i += 4;
  while (i < to && table[b[i] as number] === 1) i++;
  return i;
}

/** The first CR in b[from, to), or `to`; four bytes a step, as spanIn. */
export function crIndex(b: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i + 4 <= to && b[i] !== 13 && b[i + 1] !== 13 && b[i + 2] !== 13 && b[i + 3] !== 13) i += 4;
  while (i < to && b[i] !== 13) i++;
  return i;
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
