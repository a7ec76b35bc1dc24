import { test } from "node:test";
import assert from "node:assert/strict";
import { vsGatewayAnalyzer } from "./vs-gateways.js";
import { res, run } from "./testing.js";

const gw = (hosts: string[], ns = "default") => res("Gateway", "gw", { selector: { istio: "ingressgateway" }, servers: [{ port: { number: 80, name: "http", protocol: "HTTP" }, hosts }] }, ns);
const vs = (gateways: string[], hosts = ["bookinfo.example.com"]) => res("VirtualService", "bookinfo", { hosts, gateways, http: [] });

test("an existing gateway serving the host, and the mesh gateway, are fine", () => {
  assert.deepEqual(run(vsGatewayAnalyzer, [gw(["*"]), vs(["gw", "mesh"])]), []);
  assert.deepEqual(run(vsGatewayAnalyzer, [gw(["*.example.com"], "istio-system"), vs(["istio-system/gw"])]), []);
  assert.deepEqual(run(vsGatewayAnalyzer, [gw(["./bookinfo.example.com"]), vs(["gw"])]), []);
});

test("IST0101 for a missing gateway, and only that", () => {
  assert.deepEqual(run(vsGatewayAnalyzer, [vs(["nope"])]), [
    'Error [IST0101] (VirtualService default/bookinfo bookinfo.yaml:1) Referenced gateway not found: "nope"',
  ]);
});

test("IST0132 when the gateway does not serve the VirtualService's hosts", () => {
  assert.deepEqual(run(vsGatewayAnalyzer, [gw(["other.example.com"]), vs(["gw"])]), [
    "Warning [IST0132] (VirtualService default/bookinfo bookinfo.yaml:1) one or more host [bookinfo.example.com] defined in VirtualService default/bookinfo not found in Gateway default/gw.",
  ]);
  // A namespace-scoped server host for another namespace does not count.
  assert.equal(run(vsGatewayAnalyzer, [gw(["prod/bookinfo.example.com"]), vs(["gw"])]).length, 1);
});
