import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect } from "node:net";
import { once } from "node:events";
import { readIntoOwnBuffer, readLean } from "./own-read-buffer.js";
import { socketPair } from "../testing/socket-pair.js";

function until(cond: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = (): void => {
      if (cond()) resolve();
      else if (Date.now() - started > 5000) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

test("reads land in the caller's buffers, a new buffer is used from the next read, and end still arrives", async () => {
  const pair = await socketPair();
  const { client, accepted } = pair;
  try {
    const buffers = [Buffer.alloc(64), Buffer.alloc(64)];
    let which = 0;
    const got: string[] = [];
    const landedIn: number[] = [];
    const ok = readIntoOwnBuffer(accepted, () => buffers[which] as Buffer, (n, buf) => {
      got.push(buf.toString("latin1", 0, n));
      landedIn.push(buffers.findIndex((b) => b === buf));
      which = 1; // every later read goes to the second buffer
    });
    assert.equal(ok, true);
    const ended = once(accepted, "end");
    client.write("first");
    await until(() => got.length === 1, "the first read");
    client.write("second");
    await until(() => got.join("") === "firstsecond", "the second read");
    assert.deepEqual(landedIn, [0, ...landedIn.slice(1).map(() => 1)]);
    client.end();
    await ended; // end of stream goes through Node's own handling
  } finally {
    pair.close();
  }
});

test("returning false stops reading until resume(); bytes sent meanwhile arrive after it", async () => {
  const pair = await socketPair();
  const { client, accepted } = pair;
  try {
    const buf = Buffer.alloc(64);
    let text = "";
    let stopNext = true;
    readIntoOwnBuffer(accepted, () => buf, (n, b) => {
      text += b.toString("latin1", 0, n);
      if (stopNext) { stopNext = false; return false; }
      return true;
    });
    client.write("a");
    await until(() => text === "a", "the first read");
    client.write("b");
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(text, "a", "no read while stopped");
    accepted.resume();
    await until(() => text === "ab", "the read after resume()");
  } finally {
    pair.close();
  }
});

test("readLean serves a net.connect socket made with the onread option, errors included", async () => {
  const server = createServer((s) => {
    s.write("hello");
    setTimeout(() => s.resetAndDestroy(), 50);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  const buf = Buffer.alloc(16);
  let text = "";
  const nextBuffer = (): Buffer => buf;
  const onRead = (n: number, b: Uint8Array): boolean => { text += Buffer.from(b).toString("latin1", 0, n); return true; };
  const client = connect({ port, host: "127.0.0.1", onread: { buffer: nextBuffer, callback: onRead } });
  try {
    assert.equal(readLean(client, nextBuffer, onRead), true);
    const [err] = (await once(client, "error")) as [NodeJS.ErrnoException];
    assert.equal(text, "hello");
    assert.equal(err.code, "ECONNRESET");
  } finally {
    client.destroy();
    server.close();
  }
});
