// Character classes for HTTP/1.1 heads (RFC 9110 tokens, field values), as lookup tables.

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

export function isToken(s: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) if (TOKEN[s.charCodeAt(i)] !== 1) return false;
  return true;
}

export function allIn(table: Uint8Array, s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (table[s.charCodeAt(i)] !== 1) return false;
  return true;
}

/** Heads up to this long are scanned in JS; Buffer.indexOf's native call costs more than that. */
const SCAN_IN_JS_BYTES = 2048;

/**
 * Index of "\r\n\r\n" + 4 in buf, or -1. Short heads (nearly all) are scanned here, four bytes
 * at a step: a window's last byte that is neither CR nor LF rules out every match ending in the
 * window. A native `indexOf` call cost about 1,100 instructions per head, the scan a fifth of that.
 */
export function findHeadEnd(buf: Buffer, from: number): number {
  const start = from > 3 ? from - 3 : 0;
  const len = buf.length;
  if (len - start > SCAN_IN_JS_BYTES) {
    const i = buf.indexOf("\r\n\r\n", start, "latin1");
    return i < 0 ? -1 : i + 4;
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

/** Does `list` (comma-separated tokens) contain `token` (lower-case), case-insensitively? */
export function hasToken(list: string, token: string): boolean {
  const l = list.toLowerCase();
  let i = l.indexOf(token);
  while (i >= 0) {
    const before = i === 0 ? 44 : l.charCodeAt(i - 1);
    const after = i + token.length >= l.length ? 44 : l.charCodeAt(i + token.length);
    if ((before === 44 || before === 32 || before === 9) && (after === 44 || after === 32 || after === 9)) return true;
    i = l.indexOf(token, i + 1);
  }
  return false;
}
