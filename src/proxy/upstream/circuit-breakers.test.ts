import { test } from "node:test";
import assert from "node:assert/strict";
import { MizzenError } from "../../errors.js";
import { CircuitBreakers, compileCircuitBreakers, DEFAULT_LIMITS } from "./circuit-breakers.js";

test("defaults follow Envoy: 1024 connections/pending/requests, 3 retries", () => {
  assert.deepEqual(compileCircuitBreakers(undefined, "cluster"), DEFAULT_LIMITS);
  assert.deepEqual(compileCircuitBreakers({ thresholds: [{ priority: "HIGH", max_requests: 1 }] }, "c"), DEFAULT_LIMITS);
});

test("DEFAULT thresholds accept numbers and 64-bit strings", () => {
  const l = compileCircuitBreakers({ thresholds: [{ max_connections: "2", max_pending_requests: 1, max_retries: { value: 0 } }] }, "c");
  assert.deepEqual(l, { connections: 2, pending: 1, requests: 1024, retries: 0 });
});

test("invalid thresholds name the field", () => {
  assert.throws(
    () => compileCircuitBreakers({ thresholds: [{ max_connections: -1 }] }, "cluster.circuit_breakers"),
    (e: unknown) => e instanceof MizzenError && e.code === "MIZZEN_ERR_XDS_INVALID" &&
      e.message.includes("cluster.circuit_breakers.thresholds[0].max_connections"),
  );
});

test("overflow is refused and counted per resource; release frees a slot", () => {
  const cb = new CircuitBreakers({ connections: 1, pending: 1, requests: 2, retries: 0 });
  assert.equal(cb.tryAcquire("connections"), true);
  assert.equal(cb.tryAcquire("connections"), false);
  assert.equal(cb.tryAcquire("pending"), true);
  assert.equal(cb.tryAcquire("pending"), false);
  assert.equal(cb.tryAcquire("retries"), false);
  assert.equal(cb.tryAcquire("requests"), true);
  assert.equal(cb.tryAcquire("requests"), true);
  assert.equal(cb.tryAcquire("requests"), false);
  const s = cb.stats();
  assert.equal(s["upstream_cx_overflow"], 1);
  assert.equal(s["upstream_rq_pending_overflow"], 1);
  assert.equal(s["upstream_rq_retry_overflow"], 1);
  assert.equal(s["upstream_rq_overflow"], 1);
  assert.equal(cb.anyOpen(), true);
  cb.release("connections");
  assert.equal(cb.tryAcquire("connections"), true);
  cb.release("retries"); // releasing an unheld slot never goes negative
  assert.equal(cb.active.retries, 0);
});
