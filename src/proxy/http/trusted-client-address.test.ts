import { test } from "node:test";
import assert from "node:assert/strict";
import { isExternalRequest, isInternalAddress, trustedClientAddress } from "./trusted-client-address.js";

// The examples of Envoy's x-forwarded-for documentation (configuration/http/http_conn_man/headers).
test("Envoy example 1: edge proxy, use_remote_address, no trusted hops: the peer, XFF ignored", () => {
  assert.equal(trustedClientAddress("203.0.113.128, 203.0.113.10, 203.0.113.1", "192.0.2.5", true, 0), "192.0.2.5");
});

test("Envoy example 2: internal proxy behind example 1: the last XFF address", () => {
  assert.equal(trustedClientAddress("203.0.113.128, 203.0.113.10, 203.0.113.1, 192.0.2.5", "10.11.12.13", false, 0), "192.0.2.5");
});

test("Envoy example 3: edge proxy with two trusted proxies in front: the 2nd address from the right", () => {
  assert.equal(trustedClientAddress("203.0.113.128, 203.0.113.10, 203.0.113.1", "192.0.2.5", true, 2), "203.0.113.10");
});

test("Envoy example 4: internal proxy behind example 3, two trusted hops: the 3rd from the right", () => {
  assert.equal(trustedClientAddress("203.0.113.128, 203.0.113.10, 203.0.113.1, 192.0.2.5", "10.11.12.13", false, 2), "203.0.113.10");
});

test("Envoy examples 5 and 6: no XFF gives the peer; one XFF address is trusted", () => {
  assert.equal(trustedClientAddress(undefined, "10.20.30.40", false, 0), "10.20.30.40");
  assert.equal(trustedClientAddress("10.20.30.40", "10.20.30.50", false, 0), "10.20.30.40");
});

test("an XFF shorter than the trusted hops falls back to the peer", () => {
  assert.equal(trustedClientAddress("203.0.113.1", "192.0.2.5", true, 2), "192.0.2.5");
  assert.equal(trustedClientAddress("203.0.113.1, 203.0.113.2", "192.0.2.5", false, 2), "192.0.2.5");
  assert.equal(trustedClientAddress("203.0.113.1, 203.0.113.2", "192.0.2.5", true, 2), "203.0.113.1");
  assert.equal(trustedClientAddress("", "192.0.2.5", false, 0), "192.0.2.5", "an empty XFF");
  assert.equal(trustedClientAddress("203.0.113.1,,", "192.0.2.5", false, 0), "192.0.2.5", "an empty entry");
  assert.equal(trustedClientAddress("203.0.113.1,203.0.113.2", "192.0.2.5", true, 1), "203.0.113.2", "no spaces");
});

test("internal addresses are RFC 1918 and RFC 4193 only", () => {
  for (const a of ["10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "::ffff:10.0.0.1", "fd12::1", "FC00:1::2"]) assert.ok(isInternalAddress(a), a);
  for (const a of ["127.0.0.1", "172.15.0.1", "172.32.0.1", "192.0.2.5", "8.8.8.8", "fc::1", "fe80::1", "::1"]) assert.ok(!isInternalAddress(a), a);
  assert.equal(isExternalRequest(undefined, "10.20.30.40"), false, "Envoy example 5 is internal");
  assert.equal(isExternalRequest("10.20.30.40", "10.20.30.50"), true, "any XFF makes it external with use_remote_address");
  assert.equal(isExternalRequest(undefined, "192.0.2.5"), true);
});
