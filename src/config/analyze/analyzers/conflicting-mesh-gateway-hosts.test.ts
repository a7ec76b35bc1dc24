import { test } from "node:test";
import assert from "node:assert/strict";
import { conflictingMeshGatewayHostsAnalyzer } from "./conflicting-mesh-gateway-hosts.js";
import { res, run } from "./testing.js";

const vs = (name: string, hosts: string[], extra: object = {}) => res("VirtualService", name, { hosts, http: [], ...extra });

test("distinct hosts, or a VirtualService bound only to a gateway, do not conflict", () => {
  assert.deepEqual(run(conflictingMeshGatewayHostsAnalyzer, [vs("a", ["reviews"]), vs("b", ["ratings"])]), []);
  assert.deepEqual(run(conflictingMeshGatewayHostsAnalyzer, [vs("a", ["reviews"]), vs("b", ["reviews"], { gateways: ["gw"] })]), []);
});

test("IST0109 on each VirtualService bound to the mesh that defines the same host", () => {
  assert.deepEqual(run(conflictingMeshGatewayHostsAnalyzer, [vs("a", ["reviews"]), vs("b", ["reviews.default.svc.cluster.local"], { gateways: ["mesh"] })]), [
    "Error [IST0109] (VirtualService default/a a.yaml:1) The VirtualServices default/a,default/b associated with mesh gateway define the same host */reviews.default.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.",
    "Error [IST0109] (VirtualService default/b b.yaml:1) The VirtualServices default/a,default/b associated with mesh gateway define the same host */reviews.default.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.",
  ]);
});
