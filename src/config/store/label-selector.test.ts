import { test } from "node:test";
import assert from "node:assert/strict";
import { matchesSelector, selectorString } from "./label-selector.js";

test("matchLabels requires every label with the same value", () => {
  assert.equal(matchesSelector({ matchLabels: { app: "reviews" } }, { app: "reviews", version: "v1" }), true);
  assert.equal(matchesSelector({ matchLabels: { app: "reviews", version: "v2" } }, { app: "reviews", version: "v1" }), false);
  assert.equal(matchesSelector({ matchLabels: { app: "reviews" } }, undefined), false);
});

test("an empty selector matches everything", () => {
  assert.equal(matchesSelector({}, {}), true);
  assert.equal(matchesSelector({ matchLabels: {} }, { a: "b" }), true);
});

test("matchExpressions follow Kubernetes operators", () => {
  const labels = { app: "reviews", version: "v1" };
  assert.equal(matchesSelector({ matchExpressions: [{ key: "version", operator: "In", values: ["v1", "v2"] }] }, labels), true);
  assert.equal(matchesSelector({ matchExpressions: [{ key: "version", operator: "In", values: ["v3"] }] }, labels), false);
  assert.equal(matchesSelector({ matchExpressions: [{ key: "version", operator: "NotIn", values: ["v3"] }] }, labels), true);
  assert.equal(matchesSelector({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["x"] }] }, labels), true);
  assert.equal(matchesSelector({ matchExpressions: [{ key: "version", operator: "NotIn", values: ["v1"] }] }, labels), false);
  assert.equal(matchesSelector({ matchExpressions: [{ key: "app", operator: "Exists" }] }, labels), true);
  assert.equal(matchesSelector({ matchExpressions: [{ key: "tier", operator: "Exists" }] }, labels), false);
  assert.equal(matchesSelector({ matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }, labels), true);
  assert.equal(matchesSelector({ matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, labels), false);
});

test("selectorString sorts keys as Kubernetes prints them", () => {
  assert.equal(selectorString({ version: "v1", app: "reviews" }), "app=reviews,version=v1");
  assert.equal(selectorString(undefined), "");
});
