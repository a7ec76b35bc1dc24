import { test } from "node:test";
import assert from "node:assert/strict";
import { lowerHeaderName, knownMethod } from "./header-names.js";

/** The parsers pass a head as bytes and as the same bytes in a latin1 string. */
function pair(s: string): [Buffer, string] {
  return [Buffer.from(s, "latin1"), s];
}

test("well-known and unknown names come back lower-cased, whatever their case", () => {
  const line = "Content-Length: 5\r\nX-Custom-Thing: a\r\nHOST: h";
  assert.equal(lowerHeaderName(...pair(line), 0, 14), "content-length");
  assert.equal(lowerHeaderName(...pair(line), 19, 33), "x-custom-thing");
  assert.equal(lowerHeaderName(...pair(line), 38, 42), "host");
});

test("only letters fold: a byte that differs elsewhere is not a well-known name", () => {
  // "content\rlength" and "content_length" have the right length but are not content-length.
  assert.equal(lowerHeaderName(...pair("content\rlength"), 0, 14), "content\rlength");
  assert.equal(lowerHeaderName(...pair("Content_Length"), 0, 14), "content_length");
  assert.equal(lowerHeaderName(...pair("hosT"), 0, 4), "host");
  assert.equal(lowerHeaderName(...pair("hos+"), 0, 4), "hos+");
});

test("HTTP's methods come back as shared strings, exactly as spelled; others are null", () => {
  const b = Buffer.from("GET POST get OPTIONSX PURGE", "latin1");
  assert.equal(knownMethod(b, 0, 3), "GET");
  assert.equal(knownMethod(b, 4, 8), "POST");
  assert.equal(knownMethod(b, 9, 12), null, "methods are case-sensitive");
  assert.equal(knownMethod(b, 13, 21), null);
  assert.equal(knownMethod(b, 22, 27), null);
});
