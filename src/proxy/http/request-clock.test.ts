import { test } from "node:test";
import assert from "node:assert/strict";
import { monotonicNow, wallClockAt } from "./request-clock.js";

test("wall-clock start times derived from the monotonic clock agree with Date.now()", async () => {
  for (let i = 0; i < 3; i++) {
    const before = Date.now();
    const wall = wallClockAt(monotonicNow());
    const after = Date.now();
    assert.ok(wall >= before - 2 && wall <= after + 2, `${before} <= ${wall} <= ${after}`);
    await new Promise((r) => setTimeout(r, 600)); // crosses the one-second re-sync on the second round
  }
});
