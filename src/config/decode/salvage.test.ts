// One run reports schema and semantic problems of the same document together.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeText } from "./index.js";

const doc = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: -5
    - destination: {host: reviews, subset: v2}
      wieght: 10
    timeout: 5x
`;

test("a schema error does not hide the document's semantic errors", () => {
  const r = decodeText(doc, "vs.yaml");
  assert.equal(r.resources.length, 0);
  const paths = r.diagnostics.map((d) => d.path);
  assert.deepEqual(paths, ["spec.http[0].route[0].weight", "spec.http[0].route[1].wieght", "spec.http[0].timeout"]);
  assert.deepEqual(r.diagnostics.map((d) => d.line), [9, 11, 12]);
});

test("a check on a field that only held the cut-out typo is not reported", () => {
  const r = decodeText(
    `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p, namespace: foo}
spec:
  rules:
  - from:
    - source: {principalz: ["a"]}
`,
    "ap.yaml",
  );
  assert.deepEqual(r.diagnostics.map((d) => d.path), ["spec.rules[0].from[0].source.principalz"]);
});
