import { test } from "node:test";
import assert from "node:assert/strict";
import { portNameAnalyzer, portProtocolKnown } from "./port-name.js";
import { run, service } from "./testing.js";

test("protocol-prefixed names, appProtocol and UDP follow the convention", () => {
  assert.equal(portProtocolKnown("http", undefined, undefined), true);
  assert.equal(portProtocolKnown("http-web", undefined, undefined), true);
  assert.equal(portProtocolKnown("grpc-web", undefined, undefined), true);
  assert.equal(portProtocolKnown("web", undefined, "http"), true);
  assert.equal(portProtocolKnown("dns", "UDP", undefined), true);
  assert.equal(portProtocolKnown("web", undefined, undefined), false);
  assert.equal(portProtocolKnown("httpx", undefined, undefined), false);
  assert.equal(portProtocolKnown(undefined, undefined, undefined), false);
});

test("IST0118 for a port name without a protocol; system namespaces are skipped", () => {
  assert.deepEqual(run(portNameAnalyzer, [service("reviews", [{ name: "http", port: 9080 }])]), []);
  assert.deepEqual(run(portNameAnalyzer, [service("reviews", [{ name: "web", port: 9080, targetPort: 8080 }])]), [
    "Info [IST0118] (Service default/reviews reviews.yaml:1) Port name web (port: 9080, targetPort: 8080) doesn't follow the naming convention of Istio port.",
  ]);
  assert.deepEqual(run(portNameAnalyzer, [service("kube-dns", [{ name: "dns-tcp", port: 53 }], {}, "kube-system")]), []);
});
