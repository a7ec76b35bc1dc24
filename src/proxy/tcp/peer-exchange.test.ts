import { test } from "node:test";
import assert from "node:assert/strict";
import { ExchangeFrameReader, exchangeFrame, EXCHANGE_MAGIC } from "./peer-exchange.js";

test("a frame split at every byte is read and the following app bytes come out untouched", () => {
  const payload = Buffer.from("metadata-bytes");
  const all = Buffer.concat([exchangeFrame(payload), Buffer.from("app data")]);
  assert.equal(all.readUInt32BE(0), EXCHANGE_MAGIC);
  for (const size of [1, 3, 8, 9, all.length]) {
    const r = new ExchangeFrameReader();
    const out: Buffer[] = [];
    for (let i = 0; i < all.length; i += size) {
      const chunk = all.subarray(i, i + size);
      if (r.done) { out.push(chunk); continue; }
      const rest = r.feed(chunk);
      if (rest !== null) out.push(rest);
    }
    assert.equal(r.done, true);
    assert.deepEqual(r.payload, payload, `chunk size ${size}`);
    assert.equal(Buffer.concat(out).toString(), "app data");
  }
});

test("bytes without the magic are app data, also when the first chunk is shorter than the magic", () => {
  const r = new ExchangeFrameReader();
  assert.equal(r.feed(Buffer.from([0x3d]))?.length, undefined);
  assert.deepEqual(r.feed(Buffer.from("xyz")), Buffer.concat([Buffer.from([0x3d]), Buffer.from("xyz")]));
  assert.equal(r.payload, null);
  const plain = new ExchangeFrameReader();
  assert.equal(plain.feed(Buffer.from("GET / HTTP/1.1\r\n"))?.toString(), "GET / HTTP/1.1\r\n");
  assert.equal(plain.payload, null);
});

test("an oversized length is not taken as a frame; a stream ending mid-frame gives back the held bytes", () => {
  const big = Buffer.alloc(8);
  big.writeUInt32BE(EXCHANGE_MAGIC, 0);
  big.writeUInt32BE(0xffffffff, 4);
  const r = new ExchangeFrameReader();
  assert.deepEqual(r.feed(big), big);
  assert.equal(r.payload, null);
  const cut = new ExchangeFrameReader();
  const partial = exchangeFrame(Buffer.from("abc")).subarray(0, 6);
  assert.equal(cut.feed(partial), null);
  assert.deepEqual(cut.end(), partial);
});
