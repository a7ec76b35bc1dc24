import { test } from "node:test";
import assert from "node:assert/strict";
import { ReusableTimeout } from "./reusable-timeout.js";
import { monotonicNow } from "../request-clock.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test("fires for the owner that armed it last, after the full time from that arming", async () => {
  const fired: string[] = [];
  let firedAt = 0;
  const t = new ReusableTimeout<string>((o) => { fired.push(o); firedAt = monotonicNow(); });
  t.arm("first", 60, monotonicNow());
  await sleep(40);
  t.release("first");
  const armed = monotonicNow();
  t.arm("second", 60, armed); // the first arming's timer fires first: it must not fire "second" early
  await sleep(40);
  assert.equal(fired.length, 0);
  await sleep(80);
  assert.deepEqual(fired, ["second"]);
  assert.ok(firedAt - armed >= 59, `fired ${firedAt - armed} ms after arming`);
  t.close();
});

test("a released owner is never called; a shorter timeout than the pending one takes effect", async () => {
  const fired: string[] = [];
  const t = new ReusableTimeout<string>((o) => fired.push(o));
  t.arm("a", 20, monotonicNow());
  t.release("a");
  await sleep(50);
  assert.deepEqual(fired, []);
  t.arm("b", 300, monotonicNow());
  t.arm("c", 10, monotonicNow()); // earlier than the pending timer: it is set again
  await sleep(40);
  assert.deepEqual(fired, ["c"]);
  t.arm("d", 10, monotonicNow()); // armed again after it fired
  await sleep(40);
  assert.deepEqual(fired, ["c", "d"]);
  t.arm("e", 10, monotonicNow());
  t.close();
  await sleep(30);
  assert.deepEqual(fired, ["c", "d"]);
});

test("keep-alive requests moving the deadline on never fire early and fire once the last one is overdue", async () => {
  const fired: string[] = [];
  const t = new ReusableTimeout<string>((o) => fired.push(o));
  for (let i = 0; i < 6; i++) { // 6 requests 15 ms apart, each with a 40 ms timeout, each ending in time
    t.arm(`r${i}`, 40, monotonicNow());
    await sleep(15);
    if (i < 5) t.release(`r${i}`);
  }
  assert.deepEqual(fired, [], "the first timer fired while later requests were in time");
  await sleep(60);
  assert.deepEqual(fired, ["r5"]);
  t.close();
});
