import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";

describe("crash-loop back-off", () => {
  it("doubles from 1 s and stops at 30 s", () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffDelay(DEFAULT_BACKOFF, n)), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});
