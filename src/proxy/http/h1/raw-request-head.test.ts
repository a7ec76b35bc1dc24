import { test } from "node:test";
import assert from "node:assert/strict";
import { RequestHead, parseRequestHead } from "./request-head.js";
import { appendProxyLines } from "./raw-request-head.js";
import { upstreamRequestHead } from "./forward-head.js";
import { newRequestId } from "../request-id.js";

/** Parses `head` (without its final CRLF CRLF) from a buffer with room behind it. */
function parsed(head: string, room = 256): { b: Buffer; len: number; h: RequestHead; status: number } {
  const b = Buffer.alloc(head.length + room);
  b.write(head, "latin1");
  const h = new RequestHead();
  const status = parseRequestHead(b, head.length, h);
  return { b, len: head.length, h, status };
}

test("a plain HTTP/1.1 head may go as its bytes; names with capitals are lower-cased in place", () => {
  const { b, len, h, status } = parsed("GET /a?b=1 HTTP/1.1\r\nHost: svc:8080\r\nX-Custom-Name: Keep Case\r\nAccept: */*");
  assert.equal(status, 0);
  assert.equal(h.rawEdits, h.headers.edits);
  assert.equal(b.toString("latin1", 0, len), "GET /a?b=1 HTTP/1.1\r\nhost: svc:8080\r\nx-custom-name: Keep Case\r\naccept: */*");
  assert.equal(h.forwardedProto, false);
});

test("heads that need changes are not forwarded as bytes", () => {
  for (const head of [
    "GET / HTTP/1.0\r\nHost: a", // the version changes
    "GET http://a/x HTTP/1.1\r\nHost: a", // absolute-form becomes origin-form
    "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive", // hop-by-hop fields are dropped
    "GET / HTTP/1.1\r\nHost: a\r\nKeep-Alive: timeout=5",
    "GET / HTTP/1.1\r\nHost: a\r\nProxy-Connection: keep-alive",
    "GET / HTTP/1.1\r\nHost: a\r\nTE: trailers",
    "GET / HTTP/1.1\r\nHost:  a", // whitespace is normalised
    "GET / HTTP/1.1\r\nHost: a \r\nX: 1",
    "GET / HTTP/1.1\r\nHost:a",
    "\r\nGET / HTTP/1.1\r\nHost: a", // a leading empty line is dropped
  ]) {
    const { h, status } = parsed(head);
    assert.equal(status, 0, head);
    assert.equal(h.rawEdits, -1, JSON.stringify(head));
  }
  assert.equal(parsed("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-Proto: https").h.forwardedProto, true);
});

test("any change to the header list after parsing shows in its edit count", () => {
  const { h } = parsed("GET / HTTP/1.1\r\nHost: a\r\nx-a: 1");
  const n = h.rawEdits;
  h.headers.set("x-a", "2");
  assert.notEqual(h.headers.edits, n);
  const other = parsed("GET / HTTP/1.1\r\nHost: a\r\nx-a: 1").h;
  other.headers.remove("x-a");
  assert.notEqual(other.headers.edits, other.rawEdits);
});

test("the appended lines make the head upstreamRequestHead() makes", () => {
  const head = "GET /p HTTP/1.1\r\nHost: svc\r\nUser-Agent: t/1";
  const { b, len, h } = parsed(head);
  const id = newRequestId();
  const n = appendProxyLines(b, len, !h.forwardedProto, id);
  const expected = upstreamRequestHead(h.headers, { method: "GET", path: "/p", host: "svc", upgrade: "", forwardedFor: "", requestId: id, forwardedProto: "http", attemptCount: 0 });
  assert.equal(b.toString("latin1", 0, n), expected);
  // The client's own x-forwarded-proto and x-request-id: nothing added but the end of the head.
  const own = parsed("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-Proto: https\r\nX-Request-Id: abc");
  const m = appendProxyLines(own.b, own.len, !own.h.forwardedProto, "");
  assert.equal(own.b.toString("latin1", 0, m), "GET / HTTP/1.1\r\nhost: a\r\nx-forwarded-proto: https\r\nx-request-id: abc\r\n\r\n");
  // An id that is not the last one made is copied from its characters.
  const older = newRequestId();
  newRequestId();
  const o = parsed("GET / HTTP/1.1\r\nHost: a");
  const k = appendProxyLines(o.b, o.len, false, older);
  assert.equal(o.b.toString("latin1", 0, k), `GET / HTTP/1.1\r\nhost: a\r\nx-request-id: ${older}\r\n\r\n`);
});

test("no room behind the head: -1, nothing written past the buffer", () => {
  const { b, len } = parsed("GET / HTTP/1.1\r\nHost: a", 10);
  assert.equal(appendProxyLines(b, len, true, newRequestId()), -1);
});
