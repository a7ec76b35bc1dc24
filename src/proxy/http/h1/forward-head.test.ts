import { test } from "node:test";
import assert from "node:assert/strict";
import { splicedResponse, spliceInPlace } from "./forward-head.js";
import { parseResponseHead, ResponseHead } from "./response-head.js";
import { splicedLines } from "../envoy-response-headers.js";

const SERVER = Buffer.from("server: envoy\r\n", "latin1");
const DATE = Buffer.from("date: Sun, 22 Nov 2026 06:55:16 GMT\r\n", "latin1");
const SERVER_DATE = Buffer.concat([SERVER, DATE]);

/** splicedResponse's output, checked against spliceInPlace's on a buffer with room to spare. */
function splice(head: string, server: boolean, ms: number, body: string | null = null, date: Buffer | null = null): string {
  const raw = Buffer.from(head, "latin1");
  const r = new ResponseHead();
  assert.ok(parseResponseHead(raw, raw.length - 4, r));
  const lines = splicedLines(server ? SERVER : null, date);
  const out = splicedResponse(raw, r, server, lines, ms, body === null ? null : Buffer.from(body)).toString("latin1");
  const whole = Buffer.from(head + (body ?? "") + "#".repeat(200), "latin1");
  const end = spliceInPlace(whole, raw.length, raw.length + (body?.length ?? 0), r, server, lines, ms);
  assert.equal(whole.toString("latin1", 0, end), out, "in place");
  return out;
}

test("Envoy's lines go before the blank line, the body after; the upstream's server line is cut wherever it is", () => {
  const add = "server: envoy\r\nx-envoy-upstream-service-time: 3\r\n";
  assert.equal(splice("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n", true, 3, "hi"), `HTTP/1.1 200 OK\r\ncontent-length: 2\r\n${add}\r\nhi`);
  assert.equal(splice("HTTP/1.1 200 OK\r\nserver: app\r\ncontent-length: 2\r\n\r\n", true, 3), `HTTP/1.1 200 OK\r\ncontent-length: 2\r\n${add}\r\n`);
  assert.equal(splice("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nServer:  app \r\n\r\n", true, 3), `HTTP/1.1 200 OK\r\ncontent-length: 2\r\n${add}\r\n`);
  assert.equal(splice("HTTP/1.1 204 No Content\r\nserver: app\r\n\r\n", false, 0), "HTTP/1.1 204 No Content\r\nserver: app\r\nx-envoy-upstream-service-time: 0\r\n\r\n");
  assert.equal(splice("HTTP/1.1 200 OK\r\n\r\n", false, 1234567), "HTTP/1.1 200 OK\r\nx-envoy-upstream-service-time: 1234567\r\n\r\n");
  assert.equal(splice("HTTP/1.1 200 OK\r\nserver: a\r\n\r\n", true, -1, "x"), "HTTP/1.1 200 OK\r\nserver: envoy\r\n\r\nx");
});

test("a date line for a head without one goes between the server and service-time lines", () => {
  const date = "date: Sun, 22 Nov 2026 06:55:16 GMT\r\n";
  assert.equal(splice("HTTP/1.1 200 OK\r\nserver: app\r\ncontent-length: 2\r\n\r\n", true, 3, "hi", DATE),
    `HTTP/1.1 200 OK\r\ncontent-length: 2\r\nserver: envoy\r\n${date}x-envoy-upstream-service-time: 3\r\n\r\nhi`);
  assert.equal(splice("HTTP/1.1 200 OK\r\n\r\n", false, -1, null, DATE), `HTTP/1.1 200 OK\r\n${date}\r\n`);
  assert.equal(splice("HTTP/1.1 200 OK\r\nserver: app\r\n\r\n", false, 1, null, DATE), `HTTP/1.1 200 OK\r\nserver: app\r\n${date}x-envoy-upstream-service-time: 1\r\n\r\n`, "the upstream's server stays");
});

test("a service time from a proxy upstream is replaced, in either order with the server line", () => {
  const add = "server: envoy\r\nx-envoy-upstream-service-time: 9\r\n";
  for (const head of [
    "HTTP/1.1 200 OK\r\nserver: istio-envoy\r\na: 1\r\nx-envoy-upstream-service-time: 4\r\nb: 2\r\n\r\n",
    "HTTP/1.1 200 OK\r\nx-envoy-upstream-service-time: 4\r\na: 1\r\nserver: istio-envoy\r\nb: 2\r\n\r\n",
  ]) assert.equal(splice(head, true, 9, "z"), `HTTP/1.1 200 OK\r\na: 1\r\nb: 2\r\n${add}\r\nz`);
  assert.equal(splice("HTTP/1.1 200 OK\r\nx-envoy-upstream-service-time: 4\r\n\r\n", false, 9), "HTTP/1.1 200 OK\r\nx-envoy-upstream-service-time: 9\r\n\r\n");
  assert.equal(splice("HTTP/1.1 200 OK\r\nx-envoy-upstream-service-time: 4\r\n\r\n", true, -1), "HTTP/1.1 200 OK\r\nx-envoy-upstream-service-time: 4\r\nserver: envoy\r\n\r\n", "suppressed: the upstream's stays");
});

test("in place, a body of any size moves whole, either way, and a buffer without room is left alone", () => {
  const body = Buffer.alloc(3000);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 255;
  for (const head of ["HTTP/1.1 200 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nserver: a-very-long-upstream-server-name-longer-than-envoys-own-lines-together-xxxxxxxxxxxxxxxxxxxx\r\n\r\n"]) {
    const raw = Buffer.from(head, "latin1");
    const r = new ResponseHead();
    assert.ok(parseResponseHead(raw, raw.length - 4, r));
    const want = splicedResponse(raw, r, true, SERVER_DATE, 42, body);
    const buf = Buffer.concat([raw, body, Buffer.alloc(100)]);
    const end = spliceInPlace(buf, raw.length, raw.length + body.length, r, true, SERVER_DATE, 42);
    assert.ok(buf.subarray(0, end).equals(want), head.slice(17, 30));
    const tight = Buffer.concat([raw, body]);
    const copy = Buffer.from(tight);
    const grows = want.length > tight.length;
    assert.equal(spliceInPlace(tight, raw.length, tight.length, r, true, SERVER_DATE, 42) < 0, grows);
    if (grows) assert.ok(tight.equals(copy), "unchanged when it does not fit");
  }
});
