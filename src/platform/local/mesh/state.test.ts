import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMizzenError } from "../../../errors.js";
import { runningMesh, writeMeshState, type MeshState } from "./state.js";

const dir = mkdtempSync(join(tmpdir(), "mizzen-state-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function state(pid: number): MeshState {
  return { pid, phase: "ready", captureMode: "NONE", stateDir: dir, configDir: join(dir, "config"), ingressPort: 8080, startedAt: new Date().toISOString() };
}

describe("finding the running mesh", () => {
  it("reports no mesh when there is no state", () => {
    assert.throws(() => runningMesh(join(dir, "nothing")), (e: unknown) => isMizzenError(e) && e.code === "MIZZEN_ERR_NO_MESH");
  });

  it("returns the state while its supervisor lives", () => {
    writeMeshState(state(process.pid));
    assert.equal(runningMesh(dir).pid, process.pid);
  });

  it("reports a stale mesh when its supervisor is gone", () => {
    const exited = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" });
    writeMeshState(state(Number(exited.stdout.trim())));
    assert.throws(() => runningMesh(dir), (e: unknown) => isMizzenError(e) && e.code === "MIZZEN_ERR_STALE_MESH" && /mizzen down/.test(e.message));
  });
});
