import { test } from "node:test";
import assert from "node:assert/strict";
import { ChunkDecoder } from "./chunk-decoder.js";

const BODY = "5;ext=1\r\nhello\r\nA\r\n, world!!!\r\n0\r\nx-trailer: t\r\n\r\n";

test("decodes a chunked body whole, dropping extensions and trailers", () => {
  const d = new ChunkDecoder();
  assert.equal(d.decode(Buffer.from(BODY, "latin1")).toString(), "hello, world!!!");
  assert.equal(d.done, true);
});

test("decodes the same body split at every byte boundary", () => {
  const whole = Buffer.from(BODY, "latin1");
  for (let cut = 1; cut < whole.length; cut++) {
    const d = new ChunkDecoder();
    const out = Buffer.concat([d.decode(whole.subarray(0, cut)), d.decode(whole.subarray(cut))]);
    assert.equal(out.toString(), "hello, world!!!", `cut at ${cut}`);
    assert.equal(d.done, true, `cut at ${cut}`);
  }
});

test("ends at the last chunk without trailers and ignores bytes after it", () => {
  const d = new ChunkDecoder();
  assert.equal(d.decode(Buffer.from("3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1", "latin1")).toString(), "abc");
  assert.equal(d.done, true);
});
