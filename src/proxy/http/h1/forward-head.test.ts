import { test } from "node:test";
import assert from "node:assert/strict";
import { splicedResponseHead } from "./forward-head.js";
import { parseResponseHead, ResponseHead } from "./response-head.js";

function splice(head: string, dropServer: boolean, lines: string): string {
  const raw = Buffer.from(head, "latin1");
  const r = new ResponseHead();
  assert.ok(parseResponseHead(head.slice(0, -4), r));
  return splicedResponseHead(raw, r, dropServer, lines).toString("latin1");
}

test("Envoy's lines go before the blank line; the upstream's server line is cut wherever it is", () => {
  const add = "server: envoy\r\nx-envoy-upstream-service-time: 3\r\n";
  assert.equal(splice("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n", false, add), `HTTP/1.1 200 OK\r\ncontent-length: 2\r\n${add}\r\n`);
  assert.equal(splice("HTTP/1.1 200 OK\r\nserver: app\r\ncontent-length: 2\r\n\r\n", true, add), `HTTP/1.1 200 OK\r\ncontent-length: 2\r\n${add}\r\n`);
  assert.equal(splice("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nServer:  app \r\n\r\n", true, add), `HTTP/1.1 200 OK\r\ncontent-length: 2\r\n${add}\r\n`);
  assert.equal(splice("HTTP/1.1 204 No Content\r\nserver: app\r\n\r\n", false, "x: 1\r\n"), "HTTP/1.1 204 No Content\r\nserver: app\r\nx: 1\r\n\r\n");
});
