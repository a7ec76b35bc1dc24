#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with Node's test runner.
// Node 20's `--test` does not expand globs, so the file list is gathered here.
// Usage: node scripts/run-tests.mjs [path-prefix ...]  (prefixes filter, e.g. dist/src/config)
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith(".test.js")) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = collect("dist", [])
  .filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p)))
  .sort();
if (files.length === 0) {
  console.error("no test files found under dist/ (run `npm run build` first)");
  process.exit(1);
}
// Bounds, so a stuck test fails instead of holding CI: each test (hooks included) gets 5 minutes,
// and a file's process ends once its tests are done even if a handle was left open.
const r = spawnSync(process.execPath, ["--test", "--test-reporter=spec", "--test-timeout=300000", "--test-force-exit", ...files], { stdio: "inherit" });
process.exit(r.status ?? 1);
