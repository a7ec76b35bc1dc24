import { test } from "node:test";
import assert from "node:assert/strict";
import { conflictingGatewaysAnalyzer } from "./conflicting-gateways.js";
import { res, run } from "./testing.js";

const gw = (name: string, hosts: string[], port = 80, selector = { istio: "ingressgateway" }) =>
  res("Gateway", name, { selector, servers: [{ port: { number: port, name: "http", protocol: "HTTP" }, hosts }] });

test("different hosts, ports or selectors do not conflict", () => {
  assert.deepEqual(run(conflictingGatewaysAnalyzer, [gw("a", ["a.example.com"]), gw("b", ["b.example.com"])]), []);
  assert.deepEqual(run(conflictingGatewaysAnalyzer, [gw("a", ["*"]), gw("b", ["*"], 8080)]), []);
  assert.deepEqual(run(conflictingGatewaysAnalyzer, [gw("a", ["*"]), gw("b", ["*"], 80, { istio: "egressgateway" })]), []);
});

test("IST0145 for the same selector and port with overlapping hosts", () => {
  assert.deepEqual(run(conflictingGatewaysAnalyzer, [gw("a", ["*.example.com"]), gw("b", ["shop.example.com"])]), [
    "Error [IST0145] (Gateway default/a a.yaml:1) Conflict with gateways default/b (workload selector istio=ingressgateway, port 80, hosts *.example.com).",
    "Error [IST0145] (Gateway default/b b.yaml:1) Conflict with gateways default/a (workload selector istio=ingressgateway, port 80, hosts shop.example.com).",
  ]);
});
