import { test } from "node:test";
import assert from "node:assert/strict";
import { compileCelFilter } from "./cel-filter.js";
import { HttpRequestRecord } from "../../proxy/http/request-record.js";
import type { AccessLogEntry } from "./log-entry.js";

function entry(status: number, headers: Record<string, string> = {}, path = "/"): AccessLogEntry {
  const r = new HttpRequestRecord();
  r.status = status;
  r.method = "GET";
  r.path = path;
  r.authority = "reviews:9080";
  return { record: r, requestHeaders: { get: (n) => headers[n] } };
}

test("the common CEL forms of access log filters", () => {
  const cases: [string, AccessLogEntry, boolean][] = [
    ["response.code >= 400", entry(503), true],
    ["response.code >= 400", entry(200), false],
    ["response.code == 503", entry(503), true],
    ["response.code != 200", entry(200), false],
    ["request.headers['x-user'] == 'jason'", entry(200, { "x-user": "jason" }), true],
    ["request.headers[\"x-user\"] == 'jason'", entry(200, { "x-user": "other" }), false],
    ["request.headers['x-missing'] == 'a'", entry(200), false],
    ["response.code >= 500 && request.method == 'GET'", entry(502), true],
    ["response.code >= 500 && request.method == 'POST'", entry(502), false],
    ["response.code == 404 || response.code == 503", entry(404), true],
    ["!(response.code < 400)", entry(429), true],
    ["request.path.startsWith('/api')", entry(200, {}, "/api/v1"), true],
    ["request.url_path.endsWith('.css') || request.path.contains('debug')", entry(200, {}, "/x?debug=1"), true],
    ["(response.code >= 400 && response.code < 500) || request.headers['x-debug'] == 'on'", entry(200, { "x-debug": "on" }), true],
  ];
  for (const [expr, e, want] of cases) assert.equal(compileCelFilter(expr)(e), want, expr);
});

test("unsupported or malformed expressions are rejected with a stable code", () => {
  for (const bad of ["response.code >=", "foo.bar == 1", "response.code == 'a", "request.headers[1] == 'x'", "size(request.headers) > 1"]) {
    assert.throws(() => compileCelFilter(bad, "filter"), (e: unknown) => (e as { code?: string }).code === "MIZZEN_ERR_CEL", bad);
  }
});
