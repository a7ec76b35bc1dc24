import { test } from "node:test";
import assert from "node:assert/strict";
import { RequestHead, parseRequestHead } from "./request-head.js";
import { ResponseHead, parseResponseHead } from "./response-head.js";
import { ChunkedFraming, CHUNKED_ERROR, CHUNKED_NEED_MORE } from "./chunked-framing.js";

function parse(s: string): [number, RequestHead] {
  const h = new RequestHead();
  return [parseRequestHead(s, h), h];
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

test("response heads: status, framing and reuse", () => {
  const r = new ResponseHead();
  assert.equal(parseResponseHead("HTTP/1.1 204 No Content\r\nconnection: close\r\nx: y", r), true);
  assert.deepEqual([r.status, r.close, r.hopByHop], [204, true, true]);
  const c = new ResponseHead();
  parseResponseHead("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 10", c);
  assert.deepEqual([c.chunked, c.contentLength], [true, -1]);
  assert.equal(parseResponseHead("HTTP/1.1 2x0 OK", new ResponseHead()), false);
  assert.equal(parseResponseHead("ICY 200 OK", new ResponseHead()), false);
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
  for (const bad of ["x\r\n", "5\nhello", "5\r\nhelloX", "ffffffffffffffff0\r\n", "\r\n"]) {
    assert.equal(new ChunkedFraming().feed(Buffer.from(bad), 0, bad.length), CHUNKED_ERROR, bad);
  }
  assert.equal(new ChunkedFraming().feed(Buffer.from("5\r\nhel"), 0, 6), CHUNKED_NEED_MORE);
});
