// x-request-id values: random version-4 UUIDs, as Envoy generates. `crypto.randomUUID()` builds
// each one from a dozen string concatenations (about 0.5 KB of garbage per request). Here ids are
// made 128 at a time: random bytes fill a text of 128 UUIDs, which becomes one string, and each
// request takes a slice of it (a slice of 13 or more characters points into its parent instead of
// copying). Making the string is a call into Node of about 700 instructions, now paid once per
// 128 requests instead of once per request.
import { Buffer } from "node:buffer"; // the global `Buffer` is a getter: each use in hot code is a call
import { randomFillSync } from "node:crypto";
import { latin1 } from "./h1/head-syntax.js";

const BATCH = 128;
const UUID_CHARS = 36;
const random = Buffer.alloc(16 * BATCH);
const text = Buffer.alloc(UUID_CHARS * BATCH);
const TEMPLATE = Buffer.from("00000000-0000-4000-8000-000000000000", "latin1");
for (let i = 0; i < BATCH; i++) TEMPLATE.copy(text, i * UUID_CHARS);

// A byte's two hex digits are written in one 16-bit store where they start at an even offset
// (12 of the 16 bytes; the stride of 36 keeps every UUID's parity the same), else as two bytes.
// A loop over a position table cost about 1.2k instructions per id; these straight lines, a third.
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
  for (let o = 0, c = 0; o < r.length; o += 16, c += UUID_CHARS) {
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

/** The last id handed out and where its text is, for copying its bytes (`copyRequestId`). */
let lastId = "";
let lastAt = 0;

export function newRequestId(): string {
  if (next === BATCH) refill();
  const at = UUID_CHARS * next++;
  lastAt = at;
  return (lastId = batch.slice(at, at + UUID_CHARS));
}

/**
 * Writes `id`'s 36 bytes at target[at]: from the batch's bytes when it is the last id made, else
 * through its characters. (Measured in the proxy: this loop, `latin1Write` and `set` from a view
 * of the batch cost about the same; the view's construction tipped it.)
 */
export function copyRequestId(id: string, target: Uint8Array, at: number): void {
  if (id === lastId) {
    const t = text;
    for (let i = 0, from = lastAt; i < UUID_CHARS; i++) target[at + i] = t[from + i] as number;
  } else for (let i = 0; i < id.length; i++) target[at + i] = id.charCodeAt(i);
}
