import { test } from "node:test";
import assert from "node:assert/strict";
import { ringKey, xxHash64 } from "./xxhash64.js";

test("xxHash64 matches the reference vectors", () => {
  assert.equal(xxHash64(""), 0xef46db3751d8e999n);
  assert.equal(xxHash64("a"), 0xd24ec4f1a98c6e5bn);
  assert.equal(xxHash64("abc"), 0x44bc2cf5ad770999n);
});

test("xxHash64 handles inputs past the 32-byte stripe and changes with the seed", () => {
  const long = "0123456789abcdefghijklmnopqrstuvwxyz-0123456789";
  assert.notEqual(xxHash64(long), xxHash64(long.slice(1)));
  assert.notEqual(xxHash64(long, 0n), xxHash64(long, 1n));
  assert.ok(xxHash64(long) < 1n << 64n);
});

test("ringKey keeps 32-bit hashes and takes the high word of 64-bit ones", () => {
  assert.equal(ringKey(12345), 12345);
  assert.equal(ringKey(0x1_0000_0000 * 7 + 3), 7);
});
