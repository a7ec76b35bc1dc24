import { test } from "node:test";
import assert from "node:assert/strict";
import { GoawayWatch } from "./goaway-watch.js";

function frame(type: number, payload: Uint8Array, stream = 0): Buffer {
  const b = Buffer.alloc(9 + payload.length);
  b.writeUIntBE(payload.length, 0, 3);
  b[3] = type;
  b.writeUInt32BE(stream, 5);
  b.set(payload, 9);
  return b;
}
function goaway(code: number, debug = ""): Buffer {
  const p = Buffer.alloc(8 + debug.length);
  p.writeUInt32BE(5, 0);
  p.writeUInt32BE(code, 4);
  p.write(debug, 8, "latin1");
  return frame(7, p);
}
const SETTINGS = frame(4, new Uint8Array(12));
const DATA = frame(0, new Uint8Array(300).fill(7), 1); // payload bytes look like GOAWAY headers: must be skipped

test("a GOAWAY with an error code is seen, whole or split at every byte", () => {
  const out = Buffer.concat([SETTINGS, DATA, goaway(6, "too large frame size")]);
  assert.equal(new GoawayWatch().sawErrorIn(out), true);
  for (let cut = 1; cut < out.length; cut++) {
    const w = new GoawayWatch();
    const first = w.sawErrorIn(out.subarray(0, cut));
    const second = w.sawErrorIn(out.subarray(cut));
    assert.equal(first || second, true, `cut at ${cut}`);
    // The error code's last byte completes it: before that nothing is reported.
    assert.equal(first, cut >= SETTINGS.length + DATA.length + 17, `cut at ${cut}`);
  }
});

test("a graceful GOAWAY (NO_ERROR) and other frames are not reported", () => {
  const w = new GoawayWatch();
  assert.equal(w.sawErrorIn(Buffer.concat([SETTINGS, DATA, goaway(0, "bye"), DATA])), false);
  // Frame boundaries stay in step after it: a later error GOAWAY is still found.
  assert.equal(w.sawErrorIn(goaway(1)), true);
});

test("byte by byte", () => {
  const out = Buffer.concat([DATA, goaway(2), SETTINGS]);
  const w = new GoawayWatch();
  let seenAt = -1;
  for (let i = 0; i < out.length; i++) if (w.sawErrorIn(out.subarray(i, i + 1)) && seenAt < 0) seenAt = i;
  assert.equal(seenAt, DATA.length + 16);
});
