import { test } from "node:test";
import assert from "node:assert/strict";
import { httpDate } from "./http-date.js";

test("an IMF-fixdate, the same within a second", () => {
  const t = Date.UTC(2026, 10, 22, 6, 55, 16, 250);
  assert.equal(httpDate(t), "Sun, 22 Nov 2026 06:55:16 GMT");
  assert.equal(httpDate(t + 700), "Sun, 22 Nov 2026 06:55:16 GMT");
  assert.equal(httpDate(t + 800), "Sun, 22 Nov 2026 06:55:17 GMT");
  assert.match(httpDate(), /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
});
