import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_TIMER_MS, timerMs } from "./timer-limit.js";
import { durationMs } from "./router/envoy-json.js";
import { readDurationMs } from "./upstream/envoy-json.js";
import { optDurationMs } from "./listener/envoy-fields.js";

test("durations longer than Node's timers can hold are capped, shorter ones kept", () => {
  const year = "31536000s";
  assert.equal(durationMs(year, "route.timeout"), MAX_TIMER_MS);
  assert.equal(durationMs({ seconds: 31536000 }, "route.timeout"), MAX_TIMER_MS);
  assert.equal(readDurationMs({ idle_timeout: year }, "idle_timeout", "cluster"), MAX_TIMER_MS);
  assert.equal(optDurationMs({ idle_timeout: year }, "idle_timeout", "tcp_proxy"), MAX_TIMER_MS);
  assert.equal(durationMs("3600s", "t"), 3_600_000);
  assert.equal(readDurationMs({ t: "0s" }, "t", "c"), 0, "0 keeps meaning off");
  assert.equal(timerMs(1.5), 1.5);
});

test("a capped timeout does not fire early", async () => {
  // Node fires an overflowing delay after 1 ms; the capped one must still be pending.
  let fired = false;
  const t = setTimeout(() => { fired = true; }, timerMs(10 * MAX_TIMER_MS));
  await new Promise((r) => setTimeout(r, 20));
  clearTimeout(t);
  assert.equal(fired, false);
});
