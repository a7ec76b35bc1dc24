import { test } from "node:test";
import assert from "node:assert/strict";
import { activeFaults, compileFaultPolicy, faultChance, parseUnsigned } from "./fault-policy.js";

test("header-controlled and fixed faults compile; each fault block takes exactly one kind", () => {
  const h = compileFaultPolicy({ abort: { header_abort: {} }, delay: { header_delay: {}, percentage: { numerator: 5, denominator: "TEN_THOUSAND" } }, max_active_faults: 3 }, "f");
  assert.deepEqual([h.abortFromHeader, h.abortPercentage, h.delayFromHeader, h.delayPercentage, h.maxActiveFaults], [true, { numerator: 100, denominator: 100 }, true, { numerator: 5, denominator: 10_000 }, 3]);
  assert.equal(compileFaultPolicy({}, "f").maxActiveFaults, Infinity);
  assert.equal(compileFaultPolicy({ max_active_faults: { value: 7 } }, "f").maxActiveFaults, 7);
  assert.throws(() => compileFaultPolicy({ abort: { http_status: 503, header_abort: {} } }, "f"), /f\.abort: takes exactly one of/);
  assert.throws(() => compileFaultPolicy({ abort: { percentage: { numerator: 1 } } }, "f"), /f\.abort: takes exactly one of/);
  assert.throws(() => compileFaultPolicy({ delay: { fixed_delay: "1s", header_delay: {} } }, "f"), /f\.delay: takes one of/);
  assert.throws(() => compileFaultPolicy({ delay: {} }, "f"), /f\.delay: needs fixed_delay or header_delay/);
  assert.throws(() => compileFaultPolicy({ response_rate_limit: { fixed_limit: { limit_kbps: 1 } } }, "f"), /f\.response_rate_limit: is not supported/);
  assert.throws(() => compileFaultPolicy({ headers: [{ name: "x", safe_regex_match: { regex: "(" } }], abort: { http_status: 500 } }, "f"), /f\.headers\[0\]/);
});

test("a percentage header is a numerator over the configured denominator, capped by the configured numerator", () => {
  const p = { numerator: 50, denominator: 100 };
  assert.equal(faultChance(p, undefined), 0.5);
  assert.equal(faultChance(p, "10"), 0.1);
  assert.equal(faultChance(p, "90"), 0.5);
  assert.equal(faultChance(p, "junk"), 0.5);
  assert.equal(faultChance({ numerator: 1_000_000, denominator: 1_000_000 }, "250000"), 0.25);
  assert.deepEqual(["0", " 42 ", "-1", "1e3", "", "12345678901"].map(parseUnsigned), [0, 42, -1, -1, -1, -1]);
});

test("active faults are the delays not yet over", () => {
  const p = compileFaultPolicy({ max_active_faults: 2, delay: { fixed_delay: "1s" } }, "f");
  p.activeUntil.push(100, 300, 200);
  assert.equal(activeFaults(p, 150), 2);
  assert.deepEqual(p.activeUntil, [300, 200]);
  assert.equal(activeFaults(p, 400), 0);
});
