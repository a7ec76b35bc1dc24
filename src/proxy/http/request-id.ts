// x-request-id values: random version-4 UUIDs, as Envoy generates. `crypto.randomUUID()` builds
// each one from a dozen string concatenations (about 0.5 KB of garbage per request). Here ids are
// made 128 at a time: random bytes fill a text of 128 UUIDs (each inside the head lines that
// carry it upstream), which becomes one string, and each request takes a slice of it (a slice of
// 13 or more characters points into its parent instead of copying). Making the string is a call
// into Node of about 700 instructions, now paid once per 128 requests instead of once per request.
import { Buffer } from "node:buffer"; // the global `Buffer` is a getter: each use in hot code is a call
import { randomFillSync } from "node:crypto";
import { latin1 } from "./h1/head-syntax.js";

const BATCH = 128;
const UUID_CHARS = 36;
/**
 * Each id sits in its text inside the lines the proxy appends to a forwarded HTTP/1.1 head
 * (raw-request-head.ts), so the common case appends them with one copy:
 * one pad byte (keeps the id at an even offset), "\r\nx-forwarded-proto: http\r\nx-request-id: ",
 * the id, "\r\n\r\n".
 */
export const LINES_BEFORE_ID = "\r\nx-forwarded-proto: http\r\nx-request-id: ";
const RECORD = `-${LINES_BEFORE_ID}00000000-0000-4000-8000-000000000000\r\n\r\n`;
const STRIDE = RECORD.length; // 82: even, like ID_AT, so every id has the same parity
const ID_AT = 1 + LINES_BEFORE_ID.length;
const random = Buffer.alloc(16 * BATCH);
const text = Buffer.alloc(STRIDE * BATCH);
for (let i = 0; i < BATCH; i++) text.write(RECORD, i * STRIDE, "latin1");
/** Per record, the appended lines with its id (valid while that id is the last one made). */
const LINES = Array.from({ length: BATCH }, (_, i) => new Uint8Array(text.buffer, text.byteOffset + i * STRIDE + 1, STRIDE - 1));

// A byte's two hex digits are written in one 16-bit store where they start at an even offset
// (12 of the 16 bytes; ids sit at even offsets), else as two bytes. A loop over a position table
// cost about 1.2k instructions per id; these straight lines, a third.
const DIGITS = "0123456789abcdef";
const HI = new Uint8Array(256);
const LO = new Uint8Array(256);
const pairs = Buffer.alloc(512);
for (let b = 0; b < 256; b++) {
  HI[b] = pairs[2 * b] = DIGITS.charCodeAt(b >> 4);
  LO[b] = pairs[2 * b + 1] = DIGITS.charCodeAt(b & 15);
}
/** Both digits of a byte as one 16-bit unit, in this machine's byte order (built through the same view). */
const PAIR = new Uint16Array(pairs.buffer, pairs.byteOffset, 256);
const text16 = new Uint16Array(text.buffer, text.byteOffset, text.length >> 1);

let batch = "";
let next = BATCH;

function refill(): void {
  randomFillSync(random);
  const r = random, t = text, t16 = text16, pair = PAIR, hi = HI, lo = LO;
  for (let o = 0, c = ID_AT; o < r.length; o += 16, c += STRIDE) {
    const w = c >> 1;
    // xxxxxxxx-
    t16[w] = pair[r[o] as number] as number; t16[w + 1] = pair[r[o + 1] as number] as number;
    t16[w + 2] = pair[r[o + 2] as number] as number; t16[w + 3] = pair[r[o + 3] as number] as number;
    // xxxx- (odd offsets 9, 11)
    let b = r[o + 4] as number; t[c + 9] = hi[b] as number; t[c + 10] = lo[b] as number;
    b = r[o + 5] as number; t[c + 11] = hi[b] as number; t[c + 12] = lo[b] as number;
    // 4xxx- : version 4
    t16[w + 7] = pair[((r[o + 6] as number) & 0x0f) | 0x40] as number; t16[w + 8] = pair[r[o + 7] as number] as number;
    // [89ab]xxx- : RFC 4122 variant (odd offsets 19, 21)
    b = ((r[o + 8] as number) & 0x3f) | 0x80; t[c + 19] = hi[b] as number; t[c + 20] = lo[b] as number;
    b = r[o + 9] as number; t[c + 21] = hi[b] as number; t[c + 22] = lo[b] as number;
    // xxxxxxxxxxxx
    t16[w + 12] = pair[r[o + 10] as number] as number; t16[w + 13] = pair[r[o + 11] as number] as number;
    t16[w + 14] = pair[r[o + 12] as number] as number; t16[w + 15] = pair[r[o + 13] as number] as number;
    t16[w + 16] = pair[r[o + 14] as number] as number; t16[w + 17] = pair[r[o + 15] as number] as number;
  }
  batch = latin1(text, 0, text.length);
  next = 0;
}

/** The last id handed out and its record, for `proxyLinesWith`. */
let lastId = "";
let lastRecord = 0;

export function newRequestId(): string {
  if (next === BATCH) refill();
  lastRecord = next++;
  const at = lastRecord * STRIDE + ID_AT;
  return (lastId = batch.slice(at, at + UUID_CHARS));
}

/**
 * "\r\nx-forwarded-proto: http\r\nx-request-id: <id>\r\n\r\n" as bytes when `id` is the last id
 * made (a view valid until the next one), else null.
 */
export function proxyLinesWith(id: string): Uint8Array | null {
  return id === lastId ? (LINES[lastRecord] as Uint8Array) : null;
}
