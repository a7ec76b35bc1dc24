import { test } from "node:test";
import assert from "node:assert/strict";
import { isMizzenError } from "../errors.js";
import { nodeId, parseNodeId, proxyFromNode } from "./proxy.js";

test("Istio node ids parse into type, address, pod and namespace", () => {
  assert.deepEqual(parseNodeId("sidecar~10.1.0.22~reviews-v2-5b64.default~default.svc.cluster.local"), {
    type: "sidecar", ip: "10.1.0.22", name: "reviews-v2-5b64", namespace: "default", domain: "default.svc.cluster.local",
  });
  assert.equal(parseNodeId("router~10.4.0.1~istio-ingressgateway-0.istio-system~istio-system.svc.cluster.local").type, "router");
  assert.equal(nodeId("sidecar", "10.0.0.1", "a", "b"), "sidecar~10.0.0.1~a.b~b.svc.cluster.local");
  for (const bad of ["", "sidecar~1.2.3.4", "gateway~1.2.3.4~a.b~b.svc.cluster.local", "sidecar~~a.b~x"]) {
    assert.throws(() => parseNodeId(bad), (e: unknown) => isMizzenError(e) && e.code === "MIZZEN_ERR_PILOT_BAD_NODE_ID", bad);
  }
});

test("node metadata gives labels, service account, interception mode and the app's inbound address", () => {
  const p = proxyFromNode({
    id: nodeId("sidecar", "127.0.10.2", "web-0", "shop"),
    metadata: { LABELS: { app: "web", n: 3 }, SERVICE_ACCOUNT: "web-sa", INTERCEPTION_MODE: "NONE", INBOUND_APP_ADDRESS: "127.0.10.2" },
  });
  assert.deepEqual(p.labels, { app: "web" });
  assert.equal(p.serviceAccount, "web-sa");
  assert.equal(p.interceptionMode, "NONE");
  assert.equal(p.inboundAppAddress, "127.0.10.2");
  const d = proxyFromNode({ id: nodeId("sidecar", "10.0.0.9", "x", "y") });
  assert.equal(d.interceptionMode, "REDIRECT");
  assert.equal(d.inboundAppAddress, "127.0.0.1");
  assert.equal(d.serviceAccount, "default");
});
