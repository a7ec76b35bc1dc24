import { test } from "node:test";
import assert from "node:assert/strict";
import { gatewaySecretAnalyzer } from "./gateway-secret.js";
import { deployment, res, run } from "./testing.js";

const gw = res("Gateway", "gw", {
  selector: { istio: "ingressgateway" },
  servers: [{ port: { number: 443, name: "https", protocol: "HTTPS" }, hosts: ["*"], tls: { mode: "SIMPLE", credentialName: "bookinfo-cert" } }],
});
const secret = (ns: string) => ({ ...res("Secret", "bookinfo-cert", {}, ns), type: "kubernetes.io/tls" });

test("the secret in the gateway workload's namespace is found", () => {
  assert.deepEqual(run(gatewaySecretAnalyzer, [gw, deployment("istio-ingressgateway", { istio: "ingressgateway" }, "istio-system"), secret("istio-system")]), []);
  // No gateway workload in the input: the Gateway's own namespace.
  assert.deepEqual(run(gatewaySecretAnalyzer, [gw, secret("default")]), []);
});

test("IST0101 for a credentialName with no secret", () => {
  assert.deepEqual(run(gatewaySecretAnalyzer, [gw, deployment("istio-ingressgateway", { istio: "ingressgateway" }, "istio-system"), secret("default")]), [
    'Error [IST0101] (Gateway default/gw gw.yaml:1) Referenced credentialName not found: "bookinfo-cert"',
  ]);
});
