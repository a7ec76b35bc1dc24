import { test } from "node:test";
import assert from "node:assert/strict";
import { MetricRegistry } from "./registry.js";

test("counters and histograms expose Prometheus text with cumulative buckets", () => {
  const r = new MetricRegistry();
  const c = r.counter("x_total", "X.", ["a", "b"]);
  const h = r.histogram("d_ms", "D.", ["a"], [1, 10]);
  c.inc(["1", 'q"uo\\te']);
  c.inc(["1", 'q"uo\\te'], 2);
  h.observe(["k"], 0.5);
  h.observe(["k"], 5);
  h.observe(["k"], 50);
  const text = r.expose();
  assert.match(text, /^x_total\{a="1",b="q\\"uo\\\\te"\} 3$/m);
  assert.match(text, /^d_ms_bucket\{a="k",le="1"\} 1$/m);
  assert.match(text, /^d_ms_bucket\{a="k",le="10"\} 2$/m);
  assert.match(text, /^d_ms_bucket\{a="k",le="\+Inf"\} 3$/m);
  assert.match(text, /^d_ms_sum\{a="k"\} 55.5$/m);
});

test("series beyond the cap are counted as overflow, not stored", () => {
  const r = new MetricRegistry(3);
  const c = r.counter("y_total", "Y.", ["id"]);
  for (let i = 0; i < 10; i++) c.inc([String(i)]);
  assert.equal(c.seriesCount, 3);
  assert.match(r.expose(), /^mizzen_metric_series_overflow_total 7$/m);
});
