import { test } from "node:test";
import assert from "node:assert/strict";
import { splicedResponse } from "./forward-head.js";
import { parseResponseHead, ResponseHead } from "./response-head.js";

const SERVER = Buffer.from("server: envoy\r\n", "latin1");

function splice(head: string, server: boolean, ms: number, body: string | null = null): string {
  const raw = Buffer.from(head, "latin1");
  const r = new ResponseHead();
  assert.ok(parseResponseHead(raw, raw.length - 4, r));
  return splicedResponse(raw, r, server ? SERVER : null, ms, body === null ? null : Buffer.from(body)).toString("latin1");
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

test("a service time from a proxy upstream is replaced, in either order with the server line", () => {
  const add = "server: envoy\r\nx-envoy-upstream-service-time: 9\r\n";
  for (const head of [
    "HTTP/1.1 200 OK\r\nserver: istio-envoy\r\na: 1\r\nx-envoy-upstream-service-time: 4\r\nb: 2\r\n\r\n",
    "HTTP/1.1 200 OK\r\nx-envoy-upstream-service-time: 4\r\na: 1\r\nserver: istio-envoy\r\nb: 2\r\n\r\n",
  ]) assert.equal(splice(head, true, 9, "z"), `HTTP/1.1 200 OK\r\na: 1\r\nb: 2\r\n${add}\r\nz`);
  assert.equal(splice("HTTP/1.1 200 OK\r\nx-envoy-upstream-service-time: 4\r\n\r\n", false, 9), "HTTP/1.1 200 OK\r\nx-envoy-upstream-service-time: 9\r\n\r\n");
  assert.equal(splice("HTTP/1.1 200 OK\r\nx-envoy-upstream-service-time: 4\r\n\r\n", true, -1), "HTTP/1.1 200 OK\r\nx-envoy-upstream-service-time: 4\r\nserver: envoy\r\n\r\n", "suppressed: the upstream's stays");
});
