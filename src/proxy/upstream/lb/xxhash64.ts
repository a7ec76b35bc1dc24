// xxHash64 (the hash Envoy uses for ring hash and Maglev host placement). BigInt-based: it runs
// only when a host set changes, never per request.
const MASK = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

function rotl(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & MASK;
}

function round(acc: bigint, lane: bigint): bigint {
  acc = (acc + lane * P2) & MASK;
  return (rotl(acc, 31n) * P1) & MASK;
}

function mergeRound(acc: bigint, val: bigint): bigint {
  acc ^= round(0n, val);
  return (acc * P1 + P4) & MASK;
}

export function xxHash64(input: string | Uint8Array, seed = 0n): bigint {
  const b = typeof input === "string" ? Buffer.from(input, "utf8") : Buffer.from(input);
  const len = b.length;
  let p = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (seed + P1 + P2) & MASK;
    let v2 = (seed + P2) & MASK;
    let v3 = seed & MASK;
    let v4 = (seed - P1) & MASK;
    while (p + 32 <= len) {
      v1 = round(v1, b.readBigUInt64LE(p));
      v2 = round(v2, b.readBigUInt64LE(p + 8));
      v3 = round(v3, b.readBigUInt64LE(p + 16));
      v4 = round(v4, b.readBigUInt64LE(p + 24));
      p += 32;
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK;
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
  } else {
    h = (seed + P5) & MASK;
  }
  h = (h + BigInt(len)) & MASK;
  while (p + 8 <= len) {
    h ^= round(0n, b.readBigUInt64LE(p));
    h = (rotl(h, 27n) * P1 + P4) & MASK;
    p += 8;
  }
  if (p + 4 <= len) {
    h ^= (BigInt(b.readUInt32LE(p)) * P1) & MASK;
    h = (rotl(h, 23n) * P2 + P3) & MASK;
    p += 4;
  }
  while (p < len) {
    h ^= (BigInt(b[p] ?? 0) * P5) & MASK;
    h = (rotl(h, 11n) * P1) & MASK;
    p += 1;
  }
  h ^= h >> 33n;
  h = (h * P2) & MASK;
  h ^= h >> 29n;
  h = (h * P3) & MASK;
  h ^= h >> 32n;
  return h;
}

const high32Cache = new Map<string, number>();

/** The top 32 bits of xxHash64(s): a ring position. Memoized, since host sets change often. */
export function hashHigh32(s: string): number {
  let v = high32Cache.get(s);
  if (v === undefined) {
    if (high32Cache.size >= 200_000) high32Cache.clear();
    v = Number(xxHash64(s) >> 32n);
    high32Cache.set(s, v);
  }
  return v;
}

/** Reduces a route hash (32-bit, or 64-bit carried in a double) to a 32-bit ring key. */
export function ringKey(hash: number): number {
  const h = Math.abs(hash);
  return h <= 0xffffffff ? h >>> 0 : Math.floor(h / 4294967296) >>> 0;
}
