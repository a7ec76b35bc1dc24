import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigStore, type StoreEvent } from "./config-store.js";
import type { Resource } from "../resource.js";
import { isMizzenError } from "../../errors.js";

function vs(name: string, namespace: string, labels?: Record<string, string>, hosts: string[] = [name]): Resource {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    spec: { hosts },
  };
}

test("add, update and delete emit events with an increasing revision", () => {
  const store = new ConfigStore();
  const events: StoreEvent[] = [];
  const stop = store.subscribe((e) => events.push(e));
  store.add(vs("reviews", "default"));
  store.update(vs("reviews", "default", undefined, ["reviews", "reviews2"]));
  store.delete("VirtualService", "default", "reviews");
  stop();
  store.add(vs("ratings", "default"));
  assert.deepEqual(
    events.map((e) => [e.type, e.resource.metadata.name, e.revision]),
    [
      ["added", "reviews", 1],
      ["updated", "reviews", 2],
      ["deleted", "reviews", 3],
    ],
  );
  assert.equal(store.revision, 4);
  assert.equal(store.get("VirtualService", "default", "ratings")?.metadata.resourceVersion, "4");
});

test("add of an existing resource and update of a missing one fail with stable codes", () => {
  const store = new ConfigStore();
  store.add(vs("a", "default"));
  assert.throws(() => store.add(vs("a", "default")), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_STORE_EXISTS");
  assert.throws(() => store.update(vs("b", "default")), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_STORE_NOT_FOUND");
  assert.equal(store.delete("VirtualService", "default", "b"), undefined);
});

test("apply adds, updates, and skips unchanged content without an event", () => {
  const store = new ConfigStore();
  const types: string[] = [];
  store.subscribe((e) => types.push(e.type));
  assert.equal(store.apply(vs("a", "default"))?.type, "added");
  assert.equal(store.apply({ ...vs("a", "default"), source: { file: "x.yaml", line: 3 } }), undefined);
  assert.equal(store.get("VirtualService", "default", "a")?.source?.line, 3);
  assert.equal(store.apply(vs("a", "default", undefined, ["other"]))?.type, "updated");
  assert.deepEqual(types, ["added", "updated"]);
});

test("lookups by kind, namespace, name and label selector", () => {
  const store = new ConfigStore();
  store.add(vs("b", "prod", { app: "x", tier: "web" }));
  store.add(vs("a", "default", { app: "x" }));
  store.add(vs("c", "default", { app: "y" }));
  assert.deepEqual(store.list("VirtualService").map((r) => r.metadata.name), ["a", "c", "b"]);
  assert.deepEqual(store.list("VirtualService", "default").map((r) => r.metadata.name), ["a", "c"]);
  assert.deepEqual(store.list("Gateway"), []);
  assert.deepEqual(store.selectByLabels("VirtualService", { matchLabels: { app: "x" } }).map((r) => r.metadata.name), ["a", "b"]);
  assert.deepEqual(
    store.selectByLabels("VirtualService", { matchExpressions: [{ key: "tier", operator: "Exists" }] }).map((r) => r.metadata.name),
    ["b"],
  );
  assert.deepEqual(store.selectByLabels("VirtualService", { matchLabels: { app: "x" } }, "prod").map((r) => r.metadata.name), ["b"]);
  assert.equal(store.listAll().length, 3);
});

test("a throwing listener does not stop other listeners", () => {
  const store = new ConfigStore();
  let seen = 0;
  store.subscribe(() => {
    throw new Error("boom");
  });
  store.subscribe(() => {
    seen += 1;
  });
  store.add(vs("a", "default"));
  assert.equal(seen, 1);
});
