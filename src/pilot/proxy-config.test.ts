import { test } from "node:test";
import assert from "node:assert/strict";
import { numTrustedProxies, proxyConfigFromMetadata, terminationDrainMs, tracingSampling } from "./proxy-config.js";

test("a pod's ProxyConfig comes from PROXY_CONFIG, else the proxy.istio.io/config annotation (YAML or JSON)", () => {
  assert.deepEqual(proxyConfigFromMetadata({ PROXY_CONFIG: { gatewayTopology: { numTrustedProxies: 3 } }, ANNOTATIONS: { "proxy.istio.io/config": "gatewayTopology: {numTrustedProxies: 1}" } }), { gatewayTopology: { numTrustedProxies: 3 } });
  assert.deepEqual(proxyConfigFromMetadata({ ANNOTATIONS: { "proxy.istio.io/config": "gatewayTopology:\n  numTrustedProxies: 1\n" } }), { gatewayTopology: { numTrustedProxies: 1 } });
  assert.deepEqual(proxyConfigFromMetadata({ ANNOTATIONS: { "proxy.istio.io/config": '{"holdApplicationUntilProxyStarts": true}' } }), { holdApplicationUntilProxyStarts: true });
  assert.equal(proxyConfigFromMetadata({}), undefined);
  assert.equal(proxyConfigFromMetadata({ ANNOTATIONS: { "proxy.istio.io/config": "[1, 2]" } }), undefined, "not a ProxyConfig object");
  assert.equal(proxyConfigFromMetadata({ ANNOTATIONS: { "proxy.istio.io/config": "{ unclosed" } }), undefined, "unreadable: the mesh default applies");
});

test("numTrustedProxies: the pod's value (0 included) wins over the mesh's; strings from proto JSON count", () => {
  assert.equal(numTrustedProxies({ gatewayTopology: { numTrustedProxies: 0 } }, { numTrustedProxies: 2 }), 0);
  assert.equal(numTrustedProxies(undefined, { numTrustedProxies: "2" }), 2);
  assert.equal(numTrustedProxies({ gatewayTopology: {} }, { numTrustedProxies: 2 }), 2);
  assert.equal(numTrustedProxies(undefined, undefined), 0);
  assert.equal(numTrustedProxies({ gatewayTopology: { numTrustedProxies: -1 } }, undefined), 0, "negative is not a count");
});

test("trace sampling: the pod's tracing.sampling, else the mesh default's; 0, unset or above 100 is Istio's 1 %", () => {
  const mesh = { tracing: { sampling: 100 } };
  assert.equal(tracingSampling({ tracing: { sampling: 10 } }, mesh), 10);
  assert.equal(tracingSampling({ tracing: { sampling: "2.5" } }, mesh), 2.5);
  assert.equal(tracingSampling({ tracing: { sampling: 0 } }, mesh), 100, "0 is proto3's unset: the mesh default applies");
  assert.equal(tracingSampling({ gatewayTopology: {} }, mesh), 100);
  assert.equal(tracingSampling(undefined, mesh), 100);
  assert.equal(tracingSampling(undefined, undefined), 1);
  assert.equal(tracingSampling(undefined, { tracing: { sampling: 0 } }), 1);
  assert.equal(tracingSampling({ tracing: { sampling: 140 } }, mesh), 1, "above 100 falls back to 1, as in Istio");
});

test("the annotation's fields may use proto names, as Istio's proto JSON parsing allows", () => {
  const own = proxyConfigFromMetadata({ ANNOTATIONS: { "proxy.istio.io/config": "gateway_topology:\n  num_trusted_proxies: 2\ntracing:\n  sampling: 7\n" } });
  assert.equal(numTrustedProxies(own, undefined), 2);
  assert.equal(tracingSampling(own, undefined), 7);
});

test("terminationDrainDuration: the pod's, else the mesh default's, else Istio's 5s; a bad value is skipped", () => {
  const own = proxyConfigFromMetadata({ ANNOTATIONS: { "proxy.istio.io/config": "terminationDrainDuration: 1500ms\n" } });
  assert.equal(terminationDrainMs(own, { terminationDrainDuration: "30s" }), 1500);
  assert.equal(terminationDrainMs(proxyConfigFromMetadata({ ANNOTATIONS: { "proxy.istio.io/config": "termination_drain_duration: 2s" } }), undefined), 2000);
  assert.equal(terminationDrainMs(undefined, { terminationDrainDuration: "1m" }), 60_000);
  assert.equal(terminationDrainMs({ terminationDrainDuration: "soon" }, { terminationDrainDuration: "7s" }), 7000);
  assert.equal(terminationDrainMs(undefined, undefined), 5000);
  assert.equal(terminationDrainMs({ terminationDrainDuration: "0s" }, undefined), 0);
});
