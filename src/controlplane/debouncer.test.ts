import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PushDebouncer, type PushRequest } from "./debouncer.js";
import { pushTypes } from "./push-types.js";
import { CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL } from "../api/envoy/type-urls.js";

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await sleep(10);
}

describe("PushDebouncer", () => {
  it("merges a burst into one push, full when any event was a config change", async () => {
    const pushes: PushRequest[] = [];
    const d = new PushDebouncer({ quietMs: 50, maxMs: 10_000, push: async (r) => void pushes.push(r) });
    d.enqueue(false, "endpoint");
    d.enqueue(true, "config", "VirtualService");
    d.enqueue(false, "endpoint");
    await until(() => pushes.length > 0);
    await sleep(120);
    d.stop();
    assert.equal(pushes.length, 1);
    assert.equal(pushes[0]?.full, true);
    assert.equal(pushes[0]?.events, 3);
    assert.deepEqual([...(pushes[0]?.kinds ?? [])], ["VirtualService"]);
  });

  it("pushes at the maximum delay even while events keep coming", async () => {
    const pushes: PushRequest[] = [];
    const d = new PushDebouncer({ quietMs: 1_000, maxMs: 60, push: async (r) => void pushes.push(r) });
    for (let i = 0; i < 40 && pushes.length === 0; i++) {
      d.enqueue(false, "endpoint");
      await sleep(10);
    }
    d.stop();
    assert.equal(pushes.length, 1, "the max delay forced a push although the window never went quiet");
    assert.equal(pushes[0]?.full, false);
  });

  it("never overlaps pushes: events during a push start the next window after it", async () => {
    let running = 0;
    let overlapped = false;
    let count = 0;
    let release: (() => void) | undefined;
    const d = new PushDebouncer({
      quietMs: 10, maxMs: 1_000, push: async () => {
        running += 1;
        overlapped ||= running > 1;
        count += 1;
        if (count === 1) await new Promise<void>((r) => (release = r));
        running -= 1;
      },
    });
    d.enqueue(true, "config");
    await until(() => release !== undefined);
    d.enqueue(true, "config");
    await sleep(50);
    assert.equal(count, 1);
    release?.();
    await until(() => count === 2);
    await d.idle();
    d.stop();
    assert.equal(count, 2);
    assert.equal(overlapped, false);
  });
});

describe("pushTypes", () => {
  const req = (full: boolean, kinds: string[], reasons = ["config"]): PushRequest => ({ full, firstEventAt: 0, events: 1, reasons: new Set(reasons), kinds: new Set(kinds) });
  it("sends EDS only for endpoint changes", () => assert.deepEqual(pushTypes(req(false, [], ["endpoint"])), [EDS_TYPE_URL]));
  it("leaves EDS out when only routing config changed", () => assert.deepEqual(pushTypes(req(true, ["VirtualService", "Gateway"])), [CDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL]));
  it("sends every type when a DestinationRule or Service changed", () => {
    assert.equal(pushTypes(req(true, ["VirtualService", "DestinationRule"])), undefined);
    assert.equal(pushTypes(req(true, ["Service"])), undefined);
  });
  it("sends every type when endpoints changed in the same window", () => assert.equal(pushTypes(req(true, ["VirtualService"], ["config", "endpoint"])), undefined));
});
