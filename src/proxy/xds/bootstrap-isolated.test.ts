// The bootstrap checked in a child process gives exactly what loadBootstrap gives in-process:
// the same normalized Envoy JSON, and the same error code, message and details for bad input.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { isMizzenError, type MizzenError } from "../../errors.js";
import { loadBootstrap } from "./bootstrap.js";
import { loadBootstrapIsolated } from "./bootstrap-isolated.js";

const GOOD_YAML = `
node: { id: n1, cluster: c1, metadata: { LABELS: { app: web } } }
static_resources:
  clusters:
  - name: web
    type: STATIC
    connectTimeout: 1.5s
    load_assignment:
      cluster_name: web
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8080 } } } }] }]
`;
const BAD_YAML = `node: { id: x }
static_resources:
  clusters:
  - name: a
    connect_timeout: 0s
    lb_polcy: ROUND_ROBIN
  listeners:
  - name: l
    address: { socket_address: { address: 0.0.0.0, port_value: 99999 } }
`;
const BAD_JSON = JSON.stringify({ node: { id: "x" }, static_resources: { listeners: [{ name: "l", address: { socket_address: { address: "127.0.0.1", port_value: "eighty" } } }] } });

async function failure(p: Promise<unknown>): Promise<MizzenError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isMizzenError(e), String(e));
    return e;
  }
  assert.fail("expected a rejection");
}

describe("loadBootstrapIsolated", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "mizzen-bootstrap-isolated-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("returns the same normalized bootstrap as loadBootstrap", async () => {
    const file = path.join(dir, "good.yaml");
    await writeFile(file, GOOD_YAML);
    const isolated = await loadBootstrapIsolated(file);
    assert.deepEqual(isolated, await loadBootstrap(file));
    assert.equal((isolated.static_resources as { clusters: { connect_timeout: string }[] }).clusters[0]?.connect_timeout, "1.500s");
  });

  for (const [name, text] of [["bad.yaml", BAD_YAML], ["bad.json", BAD_JSON], ["syntax.yaml", "node: { id: [\n"]] as const) {
    it(`rejects ${name} with the same code, message and details as loadBootstrap`, async () => {
      const file = path.join(dir, name);
      await writeFile(file, text);
      const inProcess = await failure(loadBootstrap(file));
      const isolated = await failure(loadBootstrapIsolated(file));
      assert.equal(isolated.code, "MIZZEN_ERR_BOOTSTRAP");
      assert.deepEqual([isolated.code, isolated.message, isolated.details], [inProcess.code, inProcess.message, inProcess.details]);
      assert.ok((isolated.details ?? []).length > 0);
    });
  }

  it("reports an unreadable file as loadBootstrap does", async () => {
    const file = path.join(dir, "missing.yaml");
    const inProcess = await failure(loadBootstrap(file));
    const isolated = await failure(loadBootstrapIsolated(file));
    assert.deepEqual([isolated.code, isolated.message], [inProcess.code, inProcess.message]);
  });
});
