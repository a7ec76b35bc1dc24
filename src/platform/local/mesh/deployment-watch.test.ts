import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Deployment } from "../../../config/kinds/core/index.js";
import { deploymentsOf, loadValidated, removeResources, writeResources } from "./config-dir.js";
import { DeploymentWatch } from "./deployment-watch.js";
import { removalsFor } from "./workload-sync.js";

const dir = mkdtempSync(join(tmpdir(), "mizzen-deploywatch-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function deployment(file: string, replicas: number, cmd: string): string {
  writeFileSync(join(dir, file), `apiVersion: apps/v1
kind: Deployment
metadata: { name: hello }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: hello } }
  template:
    metadata: { labels: { app: hello } }
    spec:
      containers: [{ name: hello, command: ["${cmd}"] }]
`);
  return join(dir, file);
}

/** A platform as the watch sees it: pods by deployment, in the order things happened. */
function fakePlatform(): { pods: Map<string, string>; events: string[]; actions: ConstructorParameters<typeof DeploymentWatch>[2] } {
  const pods = new Map<string, string>();
  const events: string[] = [];
  let n = 0;
  return {
    pods, events,
    actions: {
      start: (d: Deployment) => {
        for (let i = 0; i < (d.spec.replicas ?? 1); i++) pods.set(`${d.metadata.name}-${++n}`, `${d.metadata.namespace ?? "default"}/${d.metadata.name}`);
        events.push(`start ${d.metadata.name}`);
        return Promise.resolve();
      },
      podsOf: (ns, name) => [...pods].filter(([, d]) => d === `${ns}/${name}`).map(([p]) => p),
      stopPod: (p) => {
        events.push(`stop ${p}`);
        return Promise.resolve(pods.delete(p));
      },
    },
  };
}

describe("the deployment watch", () => {
  it("starts new Deployments, replaces the pods of a changed one (new first) and stops a deleted one's", async () => {
    const configDir = join(dir, "config");
    const v1 = await loadValidated([deployment("v1.yaml", 1, "a")]);
    writeResources(configDir, v1);
    const platform = fakePlatform();
    const watch = new DeploymentWatch(configDir, [], platform.actions, () => undefined);
    assert.deepEqual((await watch.check()).started.length, 1);
    assert.deepEqual([...platform.pods.keys()], ["hello-1"]);
    assert.deepEqual(await watch.check(), { started: [], stoppedPods: [] }, "nothing changed");

    writeResources(configDir, await loadValidated([deployment("v2.yaml", 2, "b")]));
    const changed = await watch.check();
    assert.equal(changed.started.length, 1);
    assert.deepEqual(changed.stoppedPods, ["hello-1"]);
    assert.deepEqual(platform.events, ["start hello", "start hello", "stop hello-1"]);
    assert.deepEqual([...platform.pods.keys()], ["hello-2", "hello-3"]);

    const current = deploymentsOf(await loadValidated([join(dir, "v2.yaml")]));
    removeResources(configDir, current);
    const deleted = await watch.check();
    assert.deepEqual(deleted.stoppedPods.sort(), ["hello-2", "hello-3"]);
    assert.equal(platform.pods.size, 0);
  });

  it("removes from the control plane exactly the workloads that are gone", () => {
    const w = (name: string): { name: string; namespace: string; address: string } => ({ name, namespace: "default", address: "127.0.0.1" });
    assert.deepEqual(removalsFor(new Set(["default/a", "default/b", "other/c"]), [w("a")]), [
      { op: "remove", namespace: "default", name: "b" },
      { op: "remove", namespace: "other", name: "c" },
    ]);
    assert.deepEqual(removalsFor(new Set(), [w("a")]), []);
  });
});
