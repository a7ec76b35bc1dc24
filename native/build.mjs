#!/usr/bin/env node
// Builds the optional original-destination addon (native/original_dst.c) during `npm install` / `npm ci`.
// Optional by design: when no compiler or headers are available, it warns and exits 0, and the proxy
// runs without REDIRECT capture (listeners with original_dst then fail with a clear error).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { spawnSync } from "node:child_process";

if (process.platform !== "linux") {
  console.warn("mizzen: original-destination addon is Linux-only; skipped");
  process.exit(0);
}

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    process.env.npm_execpath ? join(dirname(process.env.npm_execpath), "..", "node_modules", "node-gyp", "bin", "node-gyp.js") : undefined,
  ];
  return candidates.find((p) => p !== undefined && existsSync(p));
}

const gyp = findNodeGyp();
if (gyp === undefined) {
  console.warn("mizzen: node-gyp not found; original-destination addon not built (REDIRECT capture unavailable)");
  process.exit(0);
}
const args = [gyp, "rebuild"];
// Use the installed Node's own headers when present, so no header download is needed.
const prefix = join(dirname(process.execPath), "..");
if (existsSync(join(prefix, "include", "node", "node_api.h"))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { stdio: "inherit" });
if (r.status !== 0) {
  console.warn("mizzen: original-destination addon failed to build; REDIRECT capture unavailable, everything else works");
}
process.exit(0);
