import { test } from "node:test";
import assert from "node:assert/strict";
import { MizzenError } from "../../../errors.js";
import { HostImpl } from "../host.js";
import { compileOutlierDetection } from "./config.js";
import { OutlierDetector } from "./detector.js";

function hosts(n: number): HostImpl[] {
  return Array.from({ length: n }, (_, i) =>
    new HostImpl({ address: `10.0.0.${i + 1}`, port: 80, weight: 1, priority: 0, locality: {}, health: "HEALTHY" }));
}

function setup(json: Record<string, unknown>, n = 4) {
  const clock = { t: 1_000_000, now() { return this.t; } };
  const list = hosts(n);
  let changes = 0;
  const d = new OutlierDetector(compileOutlierDetection(json, "outlier_detection"), () => list, () => changes++, clock);
  return { d, list, clock, changes: () => changes };
}

function fail(d: OutlierDetector, h: HostImpl, times: number, status = 500): void {
  for (let i = 0; i < times; i++) d.report(h, { kind: "response", status });
}

test("Envoy defaults: 5 consecutive 5xx, 10 s interval, 30 s base, 300 s max, 10 %, gateway not enforced", () => {
  const c = compileOutlierDetection({}, "od");
  assert.equal(c.consecutive5xx, 5);
  assert.equal(c.intervalMs, 10_000);
  assert.equal(c.baseEjectionTimeMs, 30_000);
  assert.equal(c.maxEjectionTimeMs, 300_000);
  assert.equal(c.maxEjectionPercent, 10);
  assert.equal(c.enforcingConsecutiveGatewayFailure, 0);
  assert.throws(() => compileOutlierDetection({ interval: "soon" }, "od"),
    (e: unknown) => e instanceof MizzenError && e.message.includes("od.interval"));
  assert.throws(() => compileOutlierDetection({ max_ejection_percent: 101 }, "od"),
    (e: unknown) => e instanceof MizzenError && e.message.includes("od.max_ejection_percent"));
});

test("consecutive 5xx ejects; a success resets the count", () => {
  const { d, list, changes } = setup({ max_ejection_percent: 100 });
  const h = list[0] as HostImpl;
  fail(d, h, 4);
  d.report(h, { kind: "response", status: 200 });
  fail(d, h, 4);
  assert.equal(h.ejected, false);
  fail(d, h, 1);
  assert.equal(h.ejected, true);
  assert.equal(changes(), 1);
  assert.equal(d.stats()["ejections_active"], 1);
  assert.equal(d.stats()["ejections_enforced_consecutive_5xx"], 1);
});

test("ejection lasts base × times ejected (back-off), capped by max_ejection_time; un-ejects on ticks", () => {
  const { d, list, clock } = setup({ base_ejection_time: "30s", max_ejection_time: "70s", max_ejection_percent: 100 });
  const h = list[0] as HostImpl;
  fail(d, h, 5);
  assert.equal(h.ejected, true);
  clock.t += 29_000;
  d.tick();
  assert.equal(h.ejected, true);
  clock.t += 1_000;
  d.tick();
  assert.equal(h.ejected, false, "back after 30 s");
  fail(d, h, 5);
  clock.t += 59_000;
  d.tick();
  assert.equal(h.ejected, true, "second ejection lasts 60 s");
  clock.t += 1_000;
  d.tick();
  assert.equal(h.ejected, false);
  fail(d, h, 5);
  clock.t += 69_999;
  d.tick();
  assert.equal(h.ejected, true, "third ejection capped at 70 s");
  clock.t += 1;
  d.tick();
  assert.equal(h.ejected, false);
  assert.equal(d.stats()["ejections_total"], 3);
});

test("back-off decays while the host behaves", () => {
  const { d, list, clock } = setup({ max_ejection_percent: 100 });
  const h = list[0] as HostImpl;
  fail(d, h, 5);
  clock.t += 30_000;
  d.tick();
  assert.equal(h.ejectionMultiplier, 1);
  clock.t += 30_000;
  d.tick();
  assert.equal(h.ejectionMultiplier, 0);
});

test("max_ejection_percent limits ejections but always allows one", () => {
  const { d, list } = setup({ max_ejection_percent: 10 }, 4);
  fail(d, list[0] as HostImpl, 5);
  fail(d, list[1] as HostImpl, 5);
  assert.equal(d.ejectionsActive(), 1);
  assert.equal(d.stats()["ejections_overflow"], 1);
  const half = setup({ max_ejection_percent: 50 }, 4);
  for (const h of half.list) fail(half.d, h, 5);
  assert.equal(half.d.ejectionsActive(), 2);
});

test("gateway failures are detected but only enforced when enforcing_consecutive_gateway_failure is set", () => {
  const off = setup({ consecutive_5xx: 100, max_ejection_percent: 100 });
  fail(off.d, off.list[0] as HostImpl, 5, 503);
  assert.equal(off.list[0]?.ejected, false);
  assert.equal(off.d.stats()["ejections_detected_consecutive_gateway_failure"], 1);
  const on = setup({ consecutive_5xx: 100, enforcing_consecutive_gateway_failure: 100, max_ejection_percent: 100 });
  fail(on.d, on.list[0] as HostImpl, 5, 502);
  assert.equal(on.list[0]?.ejected, true);
});

test("local-origin errors count as 5xx unless split_external_local_origin_errors", () => {
  const merged = setup({ max_ejection_percent: 100 });
  for (let i = 0; i < 5; i++) merged.d.report(merged.list[0] as HostImpl, { kind: "connect-failure" });
  assert.equal(merged.list[0]?.ejected, true);

  const split = setup({ split_external_local_origin_errors: true, consecutive_local_origin_failure: 3, max_ejection_percent: 100 });
  const h = split.list[0] as HostImpl;
  split.d.report(h, { kind: "timeout" });
  split.d.report(h, { kind: "reset" });
  split.d.report(h, { kind: "response", status: 500 }); // a response resets local-origin failures
  split.d.report(h, { kind: "connect-failure" });
  split.d.report(h, { kind: "connect-failure" });
  assert.equal(h.ejected, false);
  split.d.report(h, { kind: "connect-failure" });
  assert.equal(h.ejected, true);
  assert.equal(split.d.stats()["ejections_enforced_consecutive_local_origin_failure"], 1);
});

test("failure percentage ejects on the interval tick when enforced", () => {
  const { d, list } = setup({
    consecutive_5xx: 1000, enforcing_failure_percentage: 100, failure_percentage_minimum_hosts: 3,
    failure_percentage_request_volume: 10, failure_percentage_threshold: 50, max_ejection_percent: 100,
  }, 4);
  list.forEach((h, i) => {
    for (let k = 0; k < 20; k++) d.report(h, { kind: "response", status: i === 2 && k % 4 !== 0 ? 500 : 200 });
  });
  assert.equal(d.ejectionsActive(), 0);
  d.tick();
  assert.deepEqual(list.map((h) => h.ejected), [false, false, true, false]);
});

test("success rate ejects hosts far below the mean", () => {
  const { d, list } = setup({ consecutive_5xx: 1000, success_rate_minimum_hosts: 5, success_rate_request_volume: 20, max_ejection_percent: 100 }, 6);
  list.forEach((h, i) => {
    for (let k = 0; k < 40; k++) d.report(h, { kind: "response", status: i === 5 && k % 2 === 0 ? 503 : 200 });
  });
  d.tick();
  assert.deepEqual(list.map((h) => h.ejected), [false, false, false, false, false, true]);
});

test("the interval timer is unref'd and stops", () => {
  const { d } = setup({ interval: "0.05s" });
  d.start();
  d.stop();
  d.stop();
});
