import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Counter, Gauge, Histogram, MetricsRegistry } from "./metrics.js";

describe("Prometheus text exposition", () => {
  it("renders counters with labels, gauges and cumulative histogram buckets", () => {
    const reg = new MetricsRegistry();
    const c = reg.add(new Counter("pilot_xds_pushes", "pushes"));
    reg.add(new Gauge("pilot_xds", "connected", () => 3));
    const h = reg.add(new Histogram("pilot_proxy_convergence_time", "convergence", [0.1, 1]));
    c.inc({ type: "cds" });
    c.inc({ type: "cds" });
    c.inc({ type: "eds" });
    h.observe(0.05);
    h.observe(0.5);
    h.observe(5);
    const text = reg.render();
    assert.match(text, /^# TYPE pilot_xds_pushes counter$/m);
    assert.match(text, /^pilot_xds_pushes\{type="cds"\} 2$/m);
    assert.match(text, /^pilot_xds_pushes\{type="eds"\} 1$/m);
    assert.match(text, /^pilot_xds 3$/m);
    assert.match(text, /^pilot_proxy_convergence_time_bucket\{le="0.1"\} 1$/m);
    assert.match(text, /^pilot_proxy_convergence_time_bucket\{le="1"\} 2$/m);
    assert.match(text, /^pilot_proxy_convergence_time_bucket\{le="\+Inf"\} 3$/m);
    assert.match(text, /^pilot_proxy_convergence_time_count 3$/m);
  });

  it("escapes label values", () => {
    const c = new Counter("x", "x");
    c.inc({ reason: 'a"b\\c' });
    assert.equal(c.samples()[0], 'x{reason="a\\"b\\\\c"} 1');
  });
});
