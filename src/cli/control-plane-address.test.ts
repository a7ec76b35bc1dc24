import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { controlPlaneAddress, DEFAULT_MONITORING_ADDRESS } from "./control-plane-address.js";

test("the flag wins; else the local mesh's monitoring port from the state dir; else 15014", () => {
  const dir = mkdtempSync(join(tmpdir(), "mizzen-cpaddr-"));
  try {
    assert.equal(controlPlaneAddress(undefined, dir), DEFAULT_MONITORING_ADDRESS);
    writeFileSync(join(dir, "mesh.json"), JSON.stringify({ controlPlane: { pid: 1, xdsPort: 1, monitoringPort: 41234, host: "198.18.0.1" } }));
    assert.equal(controlPlaneAddress(undefined, dir), "127.0.0.1:41234");
    assert.equal(controlPlaneAddress("10.0.0.1:15014", dir), "10.0.0.1:15014");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
