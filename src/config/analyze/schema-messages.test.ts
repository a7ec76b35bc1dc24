import { test } from "node:test";
import assert from "node:assert/strict";
import { schemaMessages } from "./schema-messages.js";
import { renderMessage } from "./message.js";

test("resource errors become IST0106, warnings IST0133, and unparseable documents parse errors", () => {
  const r = schemaMessages([
    { severity: "error", code: "MIZZEN_ERR_VALUE", message: "must be between 0 and 100", path: "spec.http[0].route[0].weight", file: "vs.yaml", line: 12, resource: { kind: "VirtualService", namespace: "default", name: "reviews" } },
    { severity: "warning", code: "MIZZEN_WARN_DEPRECATED", message: "deprecated", path: "spec.x", file: "vs.yaml", line: 3, resource: { kind: "VirtualService", namespace: "default", name: "reviews" } },
    { severity: "error", code: "MIZZEN_ERR_YAML", message: "invalid YAML", file: "bad.yaml", line: 1 },
  ]);
  assert.deepEqual(r.messages.map(renderMessage), [
    "Error [IST0106] (VirtualService default/reviews vs.yaml:12) Schema validation error: spec.http[0].route[0].weight: must be between 0 and 100",
    "Warning [IST0133] (VirtualService default/reviews vs.yaml:3) Schema validation warning: spec.x: deprecated",
  ]);
  assert.equal(r.parseErrors.length, 1);
});
