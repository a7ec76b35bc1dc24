import { test } from "node:test";
import assert from "node:assert/strict";
import { compileRetryPolicy, retriableResponse, retriableFailure, backoffMs } from "./retry-policy.js";
import { compileFaultPolicy } from "./fault-policy.js";
import { compileCorsPolicy, corsOriginAllowed } from "./cors-policy.js";
import { computeHash, cookieValue } from "./hash-policy.js";

const none = () => undefined;

test("retry_on conditions decide which outcomes retry", () => {
  const p = compileRetryPolicy({ retry_on: "gateway-error,retriable-status-codes,unavailable", retriable_status_codes: [418] }, "rp")!;
  assert.equal(p.numRetries, 1);
  assert.equal(retriableResponse(p, 503, none), true);
  assert.equal(retriableResponse(p, 500, none), false);
  assert.equal(retriableResponse(p, 418, none), true);
  assert.equal(retriableResponse(p, 200, (n) => (n === "grpc-status" ? "14" : undefined)), true);
  assert.equal(retriableResponse(p, 200, (n) => (n === "grpc-status" ? "3" : undefined)), false);
  assert.equal(retriableFailure(p, "connect-failure"), true);
  const r = compileRetryPolicy({ retry_on: "retriable-4xx,retriable-headers", retriable_headers: [{ name: "x-retry", present_match: true }] }, "rp")!;
  assert.equal(retriableResponse(r, 409, none), true);
  assert.equal(retriableResponse(r, 200, (n) => (n === "x-retry" ? "1" : undefined)), true);
  assert.equal(retriableFailure(r, "reset"), false);
  assert.throws(() => compileRetryPolicy({ retry_on: "sometimes" }, "rp"), /rp\.retry_on: unknown retry condition/);
});

test("back-off is full-jitter exponential capped at max_interval", () => {
  const p = compileRetryPolicy({ retry_on: "5xx", num_retries: 5 }, "rp")!;
  assert.equal(p.baseIntervalMs, 25);
  assert.equal(p.maxIntervalMs, 250);
  assert.equal(backoffMs(p, 1, () => 0.999), 24);
  assert.equal(backoffMs(p, 3, () => 0.5), 50);
  assert.equal(backoffMs(p, 10, () => 0.999), 249);
});

test("fault, cors and hash policies compile", () => {
  const f = compileFaultPolicy({ abort: { http_status: 503, percentage: { numerator: 50, denominator: "HUNDRED" } }, delay: { fixed_delay: "0.2s" } }, "f");
  assert.deepEqual([f.abortHttpStatus, f.abortPercentage, f.delayMs, f.delayPercentage], [503, { numerator: 50, denominator: 100 }, 200, { numerator: 100, denominator: 100 }]);
  assert.throws(() => compileFaultPolicy({ abort: { http_status: 99 } }, "f"), /f\.abort\.http_status/);
  const c = compileCorsPolicy({ allow_origin_string_match: [{ suffix: ".example.com" }], allow_methods: "GET,POST" }, "c");
  assert.equal(corsOriginAllowed(c, "https://a.example.com"), true);
  assert.equal(corsOriginAllowed(c, "https://evil.org"), false);
  assert.equal(cookieValue("a=1; session=xyz; b=2", "session"), "xyz");
  const h1 = computeHash([{ kind: 0, name: "x-user", terminal: false }], { get: (n) => (n === "x-user" ? "u1" : undefined) }, "", "");
  const h2 = computeHash([{ kind: 0, name: "x-user", terminal: false }], { get: (n) => (n === "x-user" ? "u2" : undefined) }, "", "");
  assert.notEqual(h1, h2);
  assert.equal(computeHash([{ kind: 0, name: "x-user", terminal: false }], { get: none }, "", ""), undefined);
});
