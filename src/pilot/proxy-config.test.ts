import { test } from "node:test";
import assert from "node:assert/strict";
import { numTrustedProxies, proxyConfigFromMetadata } from "./proxy-config.js";

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
