import { test } from "node:test";
import assert from "node:assert/strict";
import { GrpcFrameCounter } from "./grpc-message-counter.js";

function frame(payload: number, flag = 0): Buffer {
  const b = Buffer.alloc(5 + payload, 0x41);
  b[0] = flag;
  b.writeUInt32BE(payload, 1);
  return b;
}

test("counts messages in one chunk, including empty ones", () => {
  const c = new GrpcFrameCounter();
  c.feed(Buffer.concat([frame(0), frame(3), frame(300, 1), frame(0)]));
  assert.equal(c.messages, 4);
});

test("counts messages split at every byte boundary", () => {
  const all = Buffer.concat([frame(2), frame(70000), frame(0), frame(1)]);
  for (const size of [1, 2, 3, 5, 7, 4096]) {
    const c = new GrpcFrameCounter();
    for (let i = 0; i < all.length; i += size) c.feed(all.subarray(i, i + size));
    assert.equal(c.messages, 4, `chunk size ${size}`);
  }
});

test("a length whose top bit is set is read as unsigned: the payload bytes are not counted as headers", () => {
  const c = new GrpcFrameCounter();
  const head = Buffer.from([0, 0x80, 0, 0, 0]);
  c.feed(head);
  c.feed(Buffer.alloc(64 * 1024));
  assert.equal(c.messages, 1);
});
