import { test } from "node:test";
import assert from "node:assert/strict";
import { gatewayPortAnalyzer } from "./gateway-port.js";
import { deployment, res, run, service } from "./testing.js";

const gw = (port: number) =>
  res("Gateway", "gw", { selector: { istio: "ingressgateway" }, servers: [{ port: { number: port, name: "http", protocol: "HTTP" }, hosts: ["*"] }] });
const ingress = [
  deployment("istio-ingressgateway", { istio: "ingressgateway" }, "istio-system"),
  service("istio-ingressgateway", [{ name: "http2", port: 80, targetPort: 8080 }], { istio: "ingressgateway" }, "istio-system"),
];

test("a port the gateway Service exposes is fine; a gateway without workloads in the input is skipped", () => {
  assert.deepEqual(run(gatewayPortAnalyzer, [gw(80), ...ingress]), []);
  assert.deepEqual(run(gatewayPortAnalyzer, [gw(8443)]), []);
});

test("IST0162 for a server port the Service does not expose", () => {
  assert.deepEqual(run(gatewayPortAnalyzer, [gw(8443), ...ingress]), [
    "Warning [IST0162] (Gateway default/gw gw.yaml:1) The gateway is listening on a target port (port 8443) that is not defined in the Service associated with its workload instances (Pod selector istio=ingressgateway). If you need to access the gateway port through the gateway Service, it will not be available.",
  ]);
});
