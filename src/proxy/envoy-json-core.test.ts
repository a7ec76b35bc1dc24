import { test } from "node:test";
import assert from "node:assert/strict";
import { durationMs } from "./envoy-json-core.js";

test("a Duration in protobuf's JSON text or as { seconds, nanos } is read in milliseconds", () => {
  assert.equal(durationMs("1.5s", "f"), 1500);
  assert.equal(durationMs("0s", "f"), 0, "0 keeps meaning off where a field says so");
  assert.equal(durationMs("0.000500s", "f"), 0.5, "below a millisecond is not rounded to 0 (off)");
  assert.equal(durationMs("-0s", "f"), 0);
  assert.equal(durationMs({ seconds: 2, nanos: 250_000_000 }, "f"), 2250);
  assert.equal(durationMs({ seconds: "3" }, "f"), 3000, "64-bit seconds may be text");
  assert.equal(durationMs({}, "f"), 0);
  assert.equal(durationMs(undefined, "f"), undefined);
  assert.equal(durationMs(null, "f"), undefined);
});

test("anything else is refused, naming the field", () => {
  for (const bad of ["1.5", "100ms", "1m", " 1s", "1.0000000001s", "s", "1e3s", "", "-1s", "-0.5s"]) {
    assert.throws(() => durationMs(bad, "clusters[0].connect_timeout"), /^MizzenError: clusters\[0\]\.connect_timeout: /, bad);
  }
  assert.throws(() => durationMs("-1s", "t"), /must not be negative/);
  assert.throws(() => durationMs({ seconds: -1 }, "t"), /must not be negative/);
  assert.throws(() => durationMs({ seconds: 1.5 }, "t"), /whole numbers/);
  assert.throws(() => durationMs({ nanos: 1e9 }, "t"), /whole numbers/);
  assert.throws(() => durationMs(5, "t"), /must be a duration like "1\.5s"/);
  assert.throws(() => durationMs(true, "t"), /must be a duration/);
});
