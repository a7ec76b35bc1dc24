import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../../bin/mizzen.js", import.meta.url));

test("mizzen --help lists commands and exits 0", () => {
  const r = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Usage: mizzen <command>/);
});

test("an unknown command is a usage error (exit 2)", () => {
  const r = spawnSync(process.execPath, [bin, "no-such-command"], { encoding: "utf8" });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command "no-such-command"/);
});
