// x-request-id values: random version-4 UUIDs, as Envoy generates. `crypto.randomUUID()` builds
// each one from a dozen string concatenations (about 0.5 KB of garbage per request, the second
// largest per-request allocation in the heap profile); this fills a 36-byte template from a pool
// of random bytes and makes one string of it.
import { Buffer } from "node:buffer"; // the global `Buffer` is a getter: each use in hot code is a call
import { randomFillSync } from "node:crypto";
import { latin1 } from "./h1/head-syntax.js";

const POOL_UUIDS = 128;
const pool = Buffer.alloc(16 * POOL_UUIDS);
let next = POOL_UUIDS;
const text = Buffer.from("00000000-0000-4000-8000-000000000000", "latin1");
const HEX = Buffer.from("0123456789abcdef", "latin1");
/** Where each of the 16 bytes' two hex digits go in the text. */
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

export function newRequestId(): string {
  if (next === POOL_UUIDS) { randomFillSync(pool); next = 0; }
  const o = 16 * next++;
  for (let i = 0; i < 16; i++) {
    let b = pool[o + i] as number;
    if (i === 6) b = (b & 0x0f) | 0x40; // version 4
    else if (i === 8) b = (b & 0x3f) | 0x80; // RFC 4122 variant
    const at = AT[i] as number;
    text[at] = HEX[b >> 4] as number;
    text[at + 1] = HEX[b & 15] as number;
  }
  return latin1(text, 0, 36);
}
