import { test } from "node:test";
import assert from "node:assert/strict";
import { analyze } from "./analyze.js";
import { renderMessage } from "./message.js";
import { res } from "./analyzers/testing.js";

test("messages are limited to the selected namespace unless all namespaces are asked for", () => {
  const resources = [
    res("VirtualService", "a", { hosts: ["a"], http: [{ route: [{ destination: { host: "missing" } }] }] }, "default"),
    res("VirtualService", "b", { hosts: ["b"], http: [{ route: [{ destination: { host: "missing" } }] }] }, "prod"),
  ];
  assert.deepEqual(analyze({ resources }, { namespace: "default" }).messages.map(renderMessage), [
    'Error [IST0101] (VirtualService default/a a.yaml:1) Referenced host not found: "missing"',
  ]);
  assert.equal(analyze({ resources }).messages.length, 2);
});

test("an analyzer that throws is reported as IST0001 and the others still run", () => {
  const broken = { name: "broken", description: "", analyze: () => { throw new Error("bug"); } };
  const r = analyze({ resources: [] }, { analyzers: [broken] });
  assert.deepEqual(r.messages.map(renderMessage), ["Error [IST0001] Internal error: broken: bug"]);
});

test("a resource defined twice counts once, the later definition winning", () => {
  const first = res("VirtualService", "reviews", { hosts: ["reviews"], http: [{ route: [{ destination: { host: "gone" } }] }] });
  const second = res("VirtualService", "reviews", { hosts: ["reviews"], http: [{ route: [{ destination: { host: "reviews" } }] }] });
  const svc = res("Service", "reviews", { selector: { app: "reviews" }, ports: [{ name: "http", port: 9080 }] });
  assert.deepEqual(analyze({ resources: [svc, first, second] }).messages, []);
});
