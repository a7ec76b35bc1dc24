import { test } from "node:test";
import assert from "node:assert/strict";
import { lowerHeaderName, knownMethod, knownHeaderIndex, KNOWN_NAMES, KnownName } from "./header-names.js";

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

test("the parsers' switch cases name the list's entries", () => {
  const cases: [KnownName, string][] = [
    [KnownName.Host, "host"], [KnownName.ContentLength, "content-length"], [KnownName.TransferEncoding, "transfer-encoding"],
    [KnownName.Connection, "connection"], [KnownName.Upgrade, "upgrade"], [KnownName.KeepAlive, "keep-alive"],
    [KnownName.ProxyConnection, "proxy-connection"], [KnownName.Te, "te"], [KnownName.XForwardedProto, "x-forwarded-proto"],
    [KnownName.Expect, "expect"], [KnownName.Server, "server"], [KnownName.Date, "date"],
    [KnownName.XEnvoyUpstreamServiceTime, "x-envoy-upstream-service-time"], [KnownName.XEnvoyPeerMetadata, "x-envoy-peer-metadata"],
    [KnownName.XEnvoyPeerMetadataId, "x-envoy-peer-metadata-id"],
  ];
  for (const [index, name] of cases) assert.equal(KNOWN_NAMES[index], name);
  assert.equal(new Set(KNOWN_NAMES).size, KNOWN_NAMES.length, "no name twice");
});

test("every well-known name is found in any case, inside a longer buffer", () => {
  for (const [i, name] of KNOWN_NAMES.entries()) {
    for (const spelled of [name, name.toUpperCase(), name.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase())]) {
      const b = Buffer.from(`x${spelled}: v`, "latin1");
      assert.equal(knownHeaderIndex(b, 1, 1 + name.length), i, spelled);
    }
  }
});

test("a name is well known exactly when its lower-cased bytes are in the list", () => {
  const folded = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const names: string[] = [];
  // Each known name with one byte flipped in its case bit: a capital where it is a letter, and
  // where it is not, the byte a careless `| 32` folds onto it (CR onto '-', DC3 onto '3').
  for (const known of KNOWN_NAMES) {
    for (let at = 0; at < known.length; at++) {
      names.push(known.slice(0, at) + String.fromCharCode(known.charCodeAt(at) ^ 32) + known.slice(at + 1));
    }
  }
  // Random names and one-byte edits of known names, which often share their lookup slot.
  let seed = 7;
  const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_^~";
  for (let round = 0; round < 4000; round++) {
    const known = KNOWN_NAMES[rand(KNOWN_NAMES.length)] as string;
    if (round % 2 === 0) {
      const at = rand(known.length);
      names.push(known.slice(0, at) + alphabet[rand(alphabet.length)] + known.slice(at + 1));
    } else {
      let s = "";
      for (let n = 1 + rand(12); n > 0; n--) s += alphabet[rand(alphabet.length)];
      names.push(s);
    }
  }
  for (const name of names) {
    const b = Buffer.from(name, "latin1");
    assert.equal(knownHeaderIndex(b, 0, b.length), KNOWN_NAMES.indexOf(folded(name)), JSON.stringify(name));
  }
  assert.equal(knownHeaderIndex(Buffer.from("host"), 2, 2), -1, "an empty name");
});
