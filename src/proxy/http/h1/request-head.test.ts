import { test } from "node:test";
import assert from "node:assert/strict";
import { RequestHead, parseRequestHead } from "./request-head.js";
import { ResponseHead, parseResponseHead } from "./response-head.js";
import { ChunkedFraming, CHUNKED_ERROR, CHUNKED_NEED_MORE } from "./chunked-framing.js";

/** A head as the parsers get it: bytes and the head's length (here, all of them). */
function bytes(s: string): [Buffer, number] {
  const b = Buffer.from(s, "latin1");
  return [b, b.length];
}

function parse(s: string): [number, RequestHead] {
  const h = new RequestHead();
  const b = Buffer.from(s, "latin1");
  return [parseRequestHead(b, b.length, h), h];
}

test("parses the request line, routing headers and framing", () => {
  const [st, h] = parse("POST /a?b=1 HTTP/1.1\r\nHost: Example.com:8080\r\nContent-Length: 5\r\nX-Multi: 1\r\nx-multi: 2\r\nConnection: close");
  assert.equal(st, 0);
  assert.deepEqual([h.method, h.path, h.authority, h.version, h.contentLength, h.close], ["POST", "/a?b=1", "Example.com:8080", 11, 5, true]);
  assert.equal(h.headers.get("x-multi"), "1,2");
  const [, abs] = parse("GET http://svc.local:81/x HTTP/1.1\r\nhost: ignored");
  assert.deepEqual([abs.authority, abs.path], ["svc.local:81", "/x"]);
  const [, h10] = parse("GET / HTTP/1.0");
  assert.equal(h10.close, true);
  const [, ka] = parse("GET / HTTP/1.0\r\nconnection: keep-alive");
  assert.equal(ka.close, false);
  const [, up] = parse("GET /ws HTTP/1.1\r\nhost: a\r\nconnection: Upgrade\r\nupgrade: websocket");
  assert.equal(up.upgrade, "websocket");
  const [, ch] = parse("POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked");
  assert.equal(ch.chunked, true);
});

test("rejects smuggling and malformed heads with the right status", () => {
  const cases: [string, number][] = [
    ["POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 1\r\ntransfer-encoding: chunked", 400],
    ["POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 1\r\ncontent-length: 2", 400],
    ["POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 3, 3", 0],
    ["POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: gzip, chunked", 501],
    ["POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked, gzip", 400],
    ["GET / HTTP/2.0\r\nhost: a", 505],
    ["GET / HTTP/1.1", 400],
    ["GET / HTTP/1.1\r\nhost : a", 400],
    ["GET  / HTTP/1.1\r\nhost: a", 400],
    ["GET nopath HTTP/1.1\r\nhost: a", 400],
  ];
  for (const [s, want] of cases) assert.equal(parse(s)[0], want, s);
});

test("a malformed header line is named for what is wrong in it", () => {
  const why = (s: string): string => parse(s)[1].error;
  assert.equal(why("GET / HTTP/1.1\r\nho st: a"), "bad header name");
  assert.equal(why("GET / HTTP/1.1\r\n@host: a"), "bad header name");
  assert.equal(why("GET / HTTP/1.1\r\n\nx: a"), "bad header name", "a bare LF before the colon");
  assert.equal(why("GET / HTTP/1.1\r\nhost a"), "malformed header line", "no colon");
  assert.equal(why("GET / HTTP/1.1\r\n: a"), "malformed header line", "no name");
  assert.equal(why("GET / HTTP/1.1\r\nhost\r\nx: a"), "malformed header line", "the colon is on a later line");
  assert.equal(why("GET / HTTP/1.1\r\n host: a"), "obsolete line folding");
  assert.equal(why("GET / HTTP/1.1\r\nhost: a\rb"), "bad header value", "a bare CR");
  assert.equal(why("GET / HTTP/1.1\r\nhost: a\nb"), "bad header value", "a bare LF");
  assert.equal(why("GET / HTTP/1.1\r\nhost: a\x00"), "bad header value");
  assert.equal(why("GET / HTTP/1.1\r\nhost: a\r"), "bad header value", "a CR at the head's end");
  const [st, ok] = parse("\r\nGET / HTTP/1.1\r\nX-Custom-Name:  v \t\r\nx-lower-name:w\r\nhost: h");
  assert.equal(st, 0);
  assert.deepEqual([ok.headers.get("x-custom-name"), ok.headers.get("x-lower-name"), ok.authority], ["v", "w", "h"]);
});

test("response heads: status, framing and reuse", () => {
  const r = new ResponseHead();
  assert.equal(parseResponseHead(...bytes("HTTP/1.1 204 No Content\r\nconnection: close\r\nx: y"), r), true);
  assert.deepEqual([r.status, r.close, r.hopByHop], [204, true, true]);
  const c = new ResponseHead();
  parseResponseHead(...bytes("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 10"), c);
  assert.deepEqual([c.chunked, c.contentLength], [true, -1]);
  assert.equal(parseResponseHead(...bytes("HTTP/1.1 2x0 OK"), new ResponseHead()), false);
  assert.equal(parseResponseHead(...bytes("ICY 200 OK"), new ResponseHead()), false);
  assert.equal(parseResponseHead(...bytes("HTTP/1.1 20"), new ResponseHead()), false, "too short for a status line");
  assert.equal(parseResponseHead(...bytes("HTTP/1.1 200 OK\r\nx: a\rb: c"), new ResponseHead()), false, "a bare CR in a value");
  assert.equal(parseResponseHead(...bytes("HTTP/1.1 200 OK\r\nx\ry: a"), new ResponseHead()), false, "a bare CR in a name");
  assert.equal(parseResponseHead(...bytes("HTTP/1.1 200 OK\r\ncontent-length: 0x10"), new ResponseHead()), false);
  // The head is relayed as it came: every byte must be one HTTP allows where it stands.
  for (const [head, why] of [
    ["HTTP/1.1 200 OK\r\nbad name: x", "a space in a name"],
    ["HTTP/1.1 200 OK\r\nx: a\0b", "NUL in a value"],
    ["HTTP/1.1 200 OK\r\nx: a\nb: c", "a bare LF in a value"],
    ["HTTP/1.1 200 OK\r\nx: a\r\n folded", "an obs-fold line"],
    ["HTTP/1.1 200 OK\r\nx\x7f: a", "DEL in a name"],
    ["HTTP/1.1 200 O\x01K\r\nx: a", "a control byte in the reason phrase"],
    ["HTTP/1.1 2000 OK", "four status digits"],
  ]) assert.equal(parseResponseHead(...bytes(head as string), new ResponseHead()), false, why);
  for (const head of ["HTTP/1.1 200\r\nx: a", "HTTP/1.1 200 \r\nx: a", "HTTP/1.1 200 OK\r\nx: caf\xe9\ttab", "HTTP/1.1 200 OK\r\nx:"]) {
    assert.equal(parseResponseHead(...bytes(head), new ResponseHead()), true, JSON.stringify(head));
  }
  const peer = new ResponseHead();
  assert.equal(parseResponseHead(...bytes("HTTP/1.1 200 OK\r\nX-Envoy-Peer-Metadata: abc\r\nx-envoy-peer-metadata-id: n\r\nx-envoy-peer-metadata-idx: 1"), peer), true);
  assert.equal(peer.peerMetadataLines, 2, "Istio's metadata exchange lines, in any case, and no other");
  const listed = new ResponseHead();
  assert.equal(parseResponseHead(...bytes("HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\nX-Up:  a b "), listed), true);
  assert.deepEqual([listed.contentLength, listed.headers.get("x-up")], [7, "a b"]);
});

test("a Host value repeated from the last request is the same string; any other byte makes a new one", () => {
  const host = (value: string): string => {
    const h = new RequestHead();
    assert.equal(parseRequestHead(...bytes(`GET / HTTP/1.1\r\nHost: ${value}\r\nx: y`), h), 0);
    assert.equal(h.headers.get("host"), h.authority);
    return h.authority;
  };
  const first = host("svc.example:8080");
  const again = host("svc.example:8080");
  assert.equal(again, "svc.example:8080");
  assert.ok(Object.is(first, again));
  assert.equal(host("abc.example:8080"), "abc.example:8080", "same length, other bytes");
  assert.equal(host("SVC.example:8080"), "SVC.example:8080", "case is kept as sent");
  assert.equal(host("svc.example:80"), "svc.example:80", "a prefix of the last one");
  assert.equal(host("x".repeat(300)), "x".repeat(300), "longer than the cache holds");
  assert.equal(host("x".repeat(300)), "x".repeat(300));
});

test("a response head's fields survive the read buffer's reuse once detached while still needed", () => {
  const buf = Buffer.from("HTTP/1.1 200 OK\r\nX-Up: one\r\ncontent-length: 3", "latin1");
  const kept = new ResponseHead();
  assert.equal(parseResponseHead(buf, buf.length, kept), true);
  kept.detach(true);
  buf.fill(0x7a); // the next read lands in the same buffer
  assert.deepEqual([kept.headers.get("x-up"), kept.headers.get("content-length")], ["one", "3"]);
  const fresh = Buffer.from("HTTP/1.1 200 OK\r\nX-Up: two", "latin1");
  const done = new ResponseHead();
  assert.equal(parseResponseHead(fresh, fresh.length, done), true);
  done.detach(false);
  assert.equal(done.headers.length, 0, "a finished response's head no longer reads the buffer");
});

test("chunked framing finds the body's end across arbitrary splits and rejects bad sizes", () => {
  const body = Buffer.from("5\r\nhello\r\na;ext=1\r\n0123456789\r\n0\r\nx-trailer: t\r\n\r\nNEXT");
  for (let split = 1; split < body.length - 4; split++) {
    const f = new ChunkedFraming();
    const first = f.feed(body, 0, split);
    const end = first >= 0 ? first : f.feed(body, split, body.length);
    assert.equal(end, body.length - 4, `split at ${split}`);
    assert.equal(f.payloadBytes, 15);
  }
  for (const bad of ["x\r\n", "5\nhello", "5\r\nhelloX", "ffffffffffffffff0\r\n", "\r\n",
    "0\r\nno-colon\r\n\r\n", "0\r\n: empty-name\r\n\r\n", "0\r\nbad name: x\r\n\r\n", "0\r\nx: a\0b\r\n\r\n", "0\r\n folded\r\n\r\n"]) {
    assert.equal(new ChunkedFraming().feed(Buffer.from(bad), 0, bad.length), CHUNKED_ERROR, bad);
  }
  assert.equal(new ChunkedFraming().feed(Buffer.from("5\r\nhel"), 0, 6), CHUNKED_NEED_MORE);
  const trailers = "0\r\ngrpc-status: 0\r\ngrpc-message:\r\nx-b:\tcaf\xe9\r\n\r\n";
  assert.equal(new ChunkedFraming().feed(Buffer.from(trailers, "latin1"), 0, trailers.length), trailers.length);
});
