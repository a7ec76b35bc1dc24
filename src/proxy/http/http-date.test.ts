import { test } from "node:test";
import assert from "node:assert/strict";
import { httpDate, httpDateLine } from "./http-date.js";

test("an IMF-fixdate, the same within a second", () => {
  const t = Date.UTC(2026, 10, 22, 6, 55, 16, 250);
  assert.equal(httpDate(t), "Sun, 22 Nov 2026 06:55:16 GMT");
  assert.equal(httpDate(t + 700), "Sun, 22 Nov 2026 06:55:16 GMT");
  assert.equal(httpDate(t + 800), "Sun, 22 Nov 2026 06:55:17 GMT");
  assert.match(httpDate(), /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
});

test("the header line follows the date, one Buffer per second", () => {
  const t = Date.UTC(2026, 10, 22, 6, 55, 16, 250);
  const a = httpDateLine(t);
  assert.equal(a.toString("latin1"), "date: Sun, 22 Nov 2026 06:55:16 GMT\r\n");
  assert.equal(httpDateLine(t + 700), a);
  assert.equal(httpDateLine(t + 800).toString("latin1"), "date: Sun, 22 Nov 2026 06:55:17 GMT\r\n");
  assert.equal(httpDate(t), "Sun, 22 Nov 2026 06:55:16 GMT");
  assert.equal(httpDateLine(t).toString("latin1"), "date: Sun, 22 Nov 2026 06:55:16 GMT\r\n", "a new second's line, not the last one");
});
