import { test } from "node:test";
import assert from "node:assert/strict";
import { ReusableTimeout } from "./reusable-timeout.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test("fires for the owner that armed it last, after the full time from that arming", async () => {
  const fired: string[] = [];
  const t = new ReusableTimeout<string>((o) => fired.push(o));
  t.arm("first", 60);
  await sleep(40);
  t.release("first");
  t.arm("second", 60); // re-armed: the first arming's expiry must not fire for "second" early
  await sleep(40);
  assert.deepEqual(fired, []);
  await sleep(80);
  assert.deepEqual(fired, ["second"]);
  t.close();
});

test("a released owner is never called; a new duration takes a new timer", async () => {
  const fired: string[] = [];
  const t = new ReusableTimeout<string>((o) => fired.push(o));
  t.arm("a", 20);
  t.release("a");
  await sleep(50);
  assert.deepEqual(fired, []);
  t.arm("b", 30);
  t.arm("c", 10); // a different duration replaces the timer
  await sleep(40);
  assert.deepEqual(fired, ["c"]);
  t.arm("d", 10); // re-armed after it fired
  await sleep(40);
  assert.deepEqual(fired, ["c", "d"]);
  t.arm("e", 10);
  t.close();
  await sleep(30);
  assert.deepEqual(fired, ["c", "d"]);
});
