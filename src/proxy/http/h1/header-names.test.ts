import { test } from "node:test";
import assert from "node:assert/strict";
import { lowerHeaderName } from "./header-names.js";

test("well-known and unknown names come back lower-cased, whatever their case", () => {
  const line = "Content-Length: 5\r\nX-Custom-Thing: a\r\nHOST: h";
  assert.equal(lowerHeaderName(line, 0, 14), "content-length");
  assert.equal(lowerHeaderName(line, 19, 33), "x-custom-thing");
  assert.equal(lowerHeaderName(line, 38, 42), "host");
});

test("only letters fold: a byte that differs elsewhere is not a well-known name", () => {
  // "content\rlength" and "content_length" have the right length but are not content-length.
  assert.equal(lowerHeaderName("content\rlength", 0, 14), "content\rlength");
  assert.equal(lowerHeaderName("Content_Length", 0, 14), "content_length");
  assert.equal(lowerHeaderName("hosT", 0, 4), "host");
  assert.equal(lowerHeaderName("hos+", 0, 4), "hos+");
});
