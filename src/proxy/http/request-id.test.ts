import { test } from "node:test";
import assert from "node:assert/strict";
import { newRequestId } from "./request-id.js";

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("request ids are version-4 UUIDs, distinct across pool refills", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const id = newRequestId();
    assert.match(id, V4);
    seen.add(id);
  }
  assert.equal(seen.size, 1000);
});

test("every hex digit position varies (no byte left from the template)", () => {
  const ids = Array.from({ length: 200 }, () => newRequestId());
  for (let pos = 0; pos < 36; pos++) {
    if ([8, 13, 14, 18, 23].includes(pos)) continue; // dashes and the version digit
    assert.ok(new Set(ids.map((id) => id[pos])).size > 1, `position ${pos} never changes`);
  }
});
