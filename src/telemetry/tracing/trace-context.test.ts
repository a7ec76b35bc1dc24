import { test } from "node:test";
import assert from "node:assert/strict";
import { HeaderList } from "../../proxy/http/header-list.js";
import { extractContext, injectContext } from "./trace-context.js";

function headers(kv: Record<string, string>): HeaderList {
  const h = new HeaderList();
  for (const [k, v] of Object.entries(kv)) h.push(k, v);
  return h;
}

test("B3 multi, B3 single and traceparent are read; 64-bit trace ids are padded", () => {
  const multi = extractContext(headers({ "x-b3-traceid": "463ac35c9f6413ad", "x-b3-spanid": "a2fb4a1d1a96d312", "x-b3-sampled": "1" }));
  assert.deepEqual(multi.ctx, { traceId: "0000000000000000463ac35c9f6413ad", parentSpanId: "a2fb4a1d1a96d312", sampled: true, debug: false });
  const single = extractContext(headers({ b3: "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-0-05e3ac9a4f6e3b90" }));
  assert.equal(single.ctx?.traceId, "80f198ee56343ba864fe8b2a57d3eff7");
  assert.equal(single.ctx?.parentSpanId, "e457b5a2e4d86bd1");
  assert.equal(single.sampled, false);
  const w3c = extractContext(headers({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }));
  assert.equal(w3c.ctx?.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  assert.equal(w3c.sampled, true);
  assert.equal(extractContext(headers({ b3: "0" })).sampled, false);
});

test("malformed context is ignored, never thrown", () => {
  const bad: Record<string, string>[] = [{ traceparent: "00-zz-00f067aa0ba902b7-01" }, { traceparent: "00-00000000000000000000000000000000-00f067aa0ba902b7-01" },
    { b3: "abc-def" }, { "x-b3-traceid": "1234", "x-b3-spanid": "5678" }];
  for (const kv of bad) {
    assert.equal(extractContext(headers(kv)).ctx, null, JSON.stringify(kv));
  }
});

test("injection replaces the caller's headers with ours as the next hop's parent", () => {
  const h = headers({ b3: "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1", "x-b3-flags": "1" });
  injectContext(h, "80f198ee56343ba864fe8b2a57d3eff7", "1111111111111111", "e457b5a2e4d86bd1", true);
  assert.equal(h.get("b3"), undefined);
  assert.equal(h.get("x-b3-spanid"), "1111111111111111");
  assert.equal(h.get("x-b3-parentspanid"), "e457b5a2e4d86bd1");
  assert.equal(h.get("traceparent"), "00-80f198ee56343ba864fe8b2a57d3eff7-1111111111111111-01");
});
