import { test } from "node:test";
import assert from "node:assert/strict";
import { parseFlags } from "../cli/flags.js";
import { parseDurationMs, securityFlags, SECURITY_FLAG_NAMES } from "./cli-flags.js";

const spec = { values: { config: [], "data-dir": [], ...SECURITY_FLAG_NAMES } };

test("durations as Istio writes them", () => {
  assert.equal(parseDurationMs("24h"), 86_400_000);
  assert.equal(parseDurationMs("1h30m"), 5_400_000);
  assert.equal(parseDurationMs("4s"), 4000);
  assert.equal(parseDurationMs("250ms"), 250);
  for (const bad of ["", "4", "s", "-4s", "4d", "4s junk", "0s"]) assert.equal(parseDurationMs(bad), undefined, bad);
});

test("no security flag: no secure port; any of them turns it on with the documented defaults", () => {
  assert.deepEqual(securityFlags(parseFlags(["--config", "/m/cfg"], spec), "/m/cfg", "127.0.0.1"), {});
  const on = securityFlags(parseFlags(["--secure-port", "0"], spec), "/m/cfg", "127.0.0.1").security;
  assert.deepEqual(on, { dataDir: "/m/.mizzen-cp", host: "127.0.0.1", port: 0, workloadTtlMs: undefined });
  const all = securityFlags(parseFlags(["--data-dir", "/d", "--ca-dir", "/ca", "--workload-cert-ttl", "90s"], spec), "/m/cfg", "0.0.0.0").security;
  assert.deepEqual(all, { dataDir: "/d", caDir: "/ca", host: "0.0.0.0", port: 15012, workloadTtlMs: 90_000 });
});

test("bad values are usage errors with a stable code", () => {
  assert.throws(() => securityFlags(parseFlags(["--workload-cert-ttl", "forever"], spec), "/c", "h"), { code: "MIZZEN_ERR_USAGE" });
  assert.throws(() => securityFlags(parseFlags(["--secure-port", "70000"], spec), "/c", "h"), { code: "MIZZEN_ERR_USAGE" });
});
