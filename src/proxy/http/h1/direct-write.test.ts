import { test } from "node:test";
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { once } from "node:events";
import { createHash } from "node:crypto";
import { pendingWriteBytes, writeDirect } from "./direct-write.js";
import { socketPair } from "../testing/socket-pair.js";

function readAll(s: Socket, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    const timer = setTimeout(() => reject(new Error(`only ${n} of ${bytes} bytes arrived`)), 10_000);
    s.on("data", (d: Buffer) => {
      parts.push(d);
      n += d.length;
      if (n >= bytes) { clearTimeout(timer); resolve(Buffer.concat(parts)); }
    });
    s.resume();
  });
}

test("strings and buffers, direct and through the stream, arrive whole and in order", async () => {
  const pair = await socketPair();
  const { client, accepted } = pair;
  try {
    const expected: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const line = `line ${i}\r\n`;
      expected.push(Buffer.from(line, "latin1"));
      if (i % 3 === 0) assert.equal(writeDirect(client, line), true);
      else if (i % 3 === 1) assert.equal(writeDirect(client, Buffer.from(line)), true);
      else client.write(line);
    }
    const want = Buffer.concat(expected);
    assert.deepEqual(await readAll(accepted, want.length), want);
  } finally {
    pair.close();
  }
});

test("a write the kernel cannot take at once is queued in order, reports back-pressure, then 'drain'", async () => {
  const pair = await socketPair();
  const { client, accepted } = pair;
  try {
    const big = Buffer.alloc(16 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
    // The peer reads nothing yet, so the kernel's buffers fill and the rest waits in libuv's queue.
    const ok = writeDirect(client, big);
    assert.equal(ok, false, "16 MiB over a socket whose peer does not read is above the watermark");
    assert.ok(pendingWriteBytes(client) > 0, "the waiting bytes are counted");
    const tail = Buffer.from("tail written after the big one\r\n");
    writeDirect(client, tail); // queued behind it, not ahead
    client.write("and one through the stream\r\n");
    const drained = once(client, "drain");
    const total = big.length + tail.length + 28;
    const got = await readAll(accepted, total);
    await drained;
    assert.equal(pendingWriteBytes(client), 0);
    assert.equal(got.length, total);
    assert.equal(createHash("sha256").update(got.subarray(0, big.length)).digest("hex"), createHash("sha256").update(big).digest("hex"));
    assert.equal(got.subarray(big.length).toString(), "tail written after the big one\r\nand one through the stream\r\n");
  } finally {
    pair.close();
  }
});

test("a socket whose peer is gone takes the stream's path, which reports the error", async () => {
  const pair = await socketPair();
  const { client, accepted } = pair;
  try {
    accepted.destroy();
    await once(client, "end");
    const failed = new Promise<NodeJS.ErrnoException>((resolve) => client.once("error", resolve));
    writeDirect(client, "after the peer closed\r\n");
    const err = await failed;
    assert.equal(err.code, "EPIPE");
  } finally {
    pair.close();
  }
});
