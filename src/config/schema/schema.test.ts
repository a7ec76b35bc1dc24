import { test } from "node:test";
import assert from "node:assert/strict";
import {
  checkCidrOrIp,
  checkExportTo,
  checkFqdn,
  checkIstioDuration,
  checkLabelKey,
  checkRe2,
  checkWildcardHost,
  labelMap,
  parseDurationMs,
  stringMatch,
} from "./index.js";

test("durations: protobuf and Go forms parse to milliseconds", () => {
  assert.equal(parseDurationMs("10s"), 10000);
  assert.equal(parseDurationMs("0.5s"), 500);
  assert.equal(parseDurationMs("100ms"), 100);
  assert.equal(parseDurationMs("1h30m"), 5400000);
  assert.equal(parseDurationMs("10"), undefined);
  assert.equal(parseDurationMs("-1s"), undefined);
  assert.equal(parseDurationMs("s"), undefined);
});

test("Istio duration minimum and precision", () => {
  assert.equal(checkIstioDuration("1ms"), undefined);
  assert.match(checkIstioDuration("0.5ms") ?? "", /greater than 1ms/);
  assert.match(checkIstioDuration("1.5ms") ?? "", /ms precision/);
});

test("hosts: FQDN and wildcard rules", () => {
  assert.equal(checkFqdn("reviews.default.svc.cluster.local"), undefined);
  assert.equal(checkFqdn("reviews"), undefined);
  assert.match(checkFqdn("*.example.com") ?? "", /label/);
  assert.match(checkFqdn("foo.123") ?? "", /all-numeric/);
  assert.equal(checkWildcardHost("*"), undefined);
  assert.equal(checkWildcardHost("*.example.com"), undefined);
  assert.match(checkWildcardHost("foo.*.com") ?? "", /label "\*"/);
  assert.match(checkWildcardHost("") ?? "", /empty/);
});

test("RE2: lookaround and backreferences are rejected, RE2 named groups accepted", () => {
  assert.equal(checkRe2("^/api/v[0-9]+/.*"), undefined);
  assert.equal(checkRe2("(?P<id>[0-9]+)"), undefined);
  assert.equal(checkRe2("(?i)foo"), undefined);
  assert.match(checkRe2("foo(?=bar)") ?? "", /lookahead/);
  assert.match(checkRe2("(?<!x)y") ?? "", /lookbehind/);
  assert.match(checkRe2("(a)\\1") ?? "", /backreference/);
  assert.match(checkRe2("[") ?? "", /invalid/);
  assert.equal(checkRe2("[(?=]"), undefined);
});

test("label keys and maps", () => {
  assert.equal(checkLabelKey("app.kubernetes.io/name"), undefined);
  assert.match(checkLabelKey("-bad") ?? "", /invalid label key/);
  const r = labelMap.safeParse({ app: "ok", "bad key": "x", version: "v1!" });
  assert.equal(r.success, false);
  assert.equal(r.error?.issues.length, 2);
});

test("string match allows at most one form", () => {
  assert.equal(stringMatch.safeParse({ exact: "a" }).success, true);
  assert.equal(stringMatch.safeParse({}).success, true);
  assert.equal(stringMatch.safeParse({ exact: "a", prefix: "b" }).success, false);
  assert.equal(stringMatch.safeParse({ regex: "(?=x)" }).success, false);
});

test("exportTo rules", () => {
  assert.deepEqual(checkExportTo([".", "istio-system"]), []);
  assert.equal(checkExportTo(["*", "."]).length, 1);
  assert.equal(checkExportTo(["a", "a"]).length, 1);
  assert.equal(checkExportTo(["Bad_NS"]).length, 1);
});

test("CIDR and IP checks", () => {
  assert.equal(checkCidrOrIp("10.0.0.0/8"), undefined);
  assert.equal(checkCidrOrIp("2001:db8::/32"), undefined);
  assert.ok(checkCidrOrIp("10.0.0.0/33"));
  assert.ok(checkCidrOrIp("300.1.1.1"));
});
