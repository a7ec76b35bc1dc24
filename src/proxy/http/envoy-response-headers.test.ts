import { test } from "node:test";
import assert from "node:assert/strict";
import { splicedLines } from "./envoy-response-headers.js";

test("the server and date lines join into one Buffer, made again only when either changes", () => {
  const server = Buffer.from("server: envoy\r\n");
  const date1 = Buffer.from("date: Sun, 22 Nov 2026 06:55:16 GMT\r\n");
  const date2 = Buffer.from("date: Sun, 22 Nov 2026 06:55:17 GMT\r\n");
  assert.equal(splicedLines(null, null), null);
  assert.equal(splicedLines(server, null), server);
  assert.equal(splicedLines(null, date1), date1);
  const both = splicedLines(server, date1);
  assert.equal(both?.toString(), "server: envoy\r\ndate: Sun, 22 Nov 2026 06:55:16 GMT\r\n");
  assert.equal(splicedLines(server, date1), both, "the same object while nothing changed");
  assert.equal(splicedLines(server, date2)?.toString(), "server: envoy\r\ndate: Sun, 22 Nov 2026 06:55:17 GMT\r\n");
  const other = Buffer.from("server: istio-envoy\r\n");
  assert.equal(splicedLines(other, date2)?.toString(), "server: istio-envoy\r\ndate: Sun, 22 Nov 2026 06:55:17 GMT\r\n");
});
