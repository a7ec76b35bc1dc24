import { test } from "node:test";
import assert from "node:assert/strict";
import { HeaderList } from "../../proxy/http/header-list.js";
import { HttpRequestRecord } from "../../proxy/http/request-record.js";
import type { HttpStream } from "../../proxy/http/filters/http-filter.js";
import { compileHcmTracing, setSpanSinkOverride } from "./hcm-tracing.js";
import { TraceStore } from "./trace-store.js";

function run(randomPercent: number, kv: Record<string, string>, statPrefix = "outbound_0.0.0.0_9080"): { store: TraceStore; headers: HeaderList } {
  const store = new TraceStore(100);
  setSpanSinkOverride(store);
  try {
    const t = compileHcmTracing({ random_sampling: { value: randomPercent } }, "tracing");
    assert.ok(t);
    const headers = new HeaderList();
    for (const [k, v] of Object.entries(kv)) headers.push(k, v);
    const record = new HttpRequestRecord();
    record.statPrefix = statPrefix;
    record.status = 200;
    record.authority = "reviews:9080";
    record.path = "/r";
    // The tracer reads only the headers and the record of the stream.
    t.onRequest({ headers, record } as unknown as HttpStream);
    t.onComplete(record);
    return { store, headers };
  } finally {
    setSpanSinkOverride(null);
  }
}

test("sampling: carried decision beats random_sampling; force-trace beats both", () => {
  assert.equal(run(100, { "x-b3-traceid": "463ac35c9f6413ad", "x-b3-spanid": "a2fb4a1d1a96d312", "x-b3-sampled": "0" }).store.spans().length, 0);
  assert.equal(run(0, { "x-b3-traceid": "463ac35c9f6413ad", "x-b3-spanid": "a2fb4a1d1a96d312", "x-b3-sampled": "1" }).store.spans().length, 1);
  assert.equal(run(0, { b3: "0", "x-envoy-force-trace": "1" }).store.spans().length, 1);
  assert.equal(run(0, {}).store.spans().length, 0);
  const { store, headers } = run(100, {}, "inbound_0.0.0.0_9080");
  const [span] = store.spans();
  assert.equal(span?.kind, "SERVER");
  assert.equal(span?.parentId, undefined);
  assert.equal(headers.get("x-b3-sampled"), "1");
  assert.equal(headers.get("x-b3-spanid"), span?.id);
});

test("bad tracing config is rejected naming the field", () => {
  assert.throws(() => compileHcmTracing({ random_sampling: { value: 140 } }, "tracing"), /tracing.random_sampling.value/);
  assert.throws(() => compileHcmTracing({ provider: { name: "x", typed_config: { "@type": "type.googleapis.com/x.Y" } } }, "tracing"), /tracing.provider.typed_config.@type/);
  assert.throws(() => compileHcmTracing({ provider: { name: "z", typed_config: { "@type": "type.googleapis.com/envoy.config.trace.v3.ZipkinConfig", collector_cluster: "zipkin" } } }, "tracing"), /collector_cluster/);
});
