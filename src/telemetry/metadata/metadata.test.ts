import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeStruct, encodeStruct } from "./struct-codec.js";
import { decodePeerMetadata, encodePeerMetadata, workloadMetadataFrom, spiffePrincipal } from "./workload-metadata.js";

test("Struct round trip keeps strings, numbers, bools, nested structs and lists", () => {
  const o = { NAME: "reviews-v1-abc", n: 3.5, ok: true, none: null, LABELS: { app: "reviews", "ünï": "✓" }, IPS: ["10.0.0.1", "10.0.0.2"] };
  assert.deepEqual(decodeStruct(Buffer.from(encodeStruct(o))), o);
});

test("malformed Struct bytes decode to null, never throw", () => {
  assert.equal(decodeStruct(Buffer.from([0x0a, 0x7f, 0x01])), null);
  assert.equal(decodeStruct(Buffer.from([0x0f])), null);
  assert.equal(decodePeerMetadata("%%%not base64"), null);
  assert.equal(decodePeerMetadata(""), null);
});

test("node metadata in Istio's keys gives canonical service/revision and principal", () => {
  const md = workloadMetadataFrom({ NAME: "reviews-v2-7f", NAMESPACE: "bookinfo", WORKLOAD_NAME: "reviews-v2", SERVICE_ACCOUNT: "bookinfo-reviews", CLUSTER_ID: "c1", LABELS: { app: "reviews", version: "v2" } }, "node-1");
  assert.equal(md.workload, "reviews-v2");
  assert.equal(md.canonicalService, "reviews");
  assert.equal(md.canonicalRevision, "v2");
  assert.equal(spiffePrincipal(md), "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews");
  const back = decodePeerMetadata(encodePeerMetadata(md), "node-1");
  assert.deepEqual({ ...back, labels: {} }, { ...md, labels: {} });
  const bare = workloadMetadataFrom({});
  assert.equal(bare.workload, "unknown");
  assert.equal(bare.canonicalRevision, "latest");
});

test("TCP exchange payload: an Any of a Struct, round trip with the node id; malformed payloads give null", async () => {
  const { decodeExchangePayload, encodeExchangePayload } = await import("./exchange-payload.js");
  const md = workloadMetadataFrom({ NAMESPACE: "default", WORKLOAD_NAME: "sleep", SERVICE_ACCOUNT: "sleep", LABELS: { app: "sleep", version: "v1" } }, "sidecar~10.0.0.9~sleep-1.default~default.svc.cluster.local");
  const payload = encodeExchangePayload(md);
  assert.ok(payload.includes(Buffer.from("type.googleapis.com/google.protobuf.Struct")));
  const back = decodeExchangePayload(payload);
  assert.equal(back?.workload, "sleep");
  assert.equal(back?.app, "sleep");
  assert.equal(back?.id, md.id);
  assert.equal(decodeExchangePayload(Buffer.from([0x0a, 0x50, 0x01])), null);
  assert.equal(decodeExchangePayload(Buffer.alloc(0)), null);
  // A flat Struct of node metadata is accepted too.
  const flat = Buffer.concat([Buffer.from([0x0a, 42]), Buffer.from("type.googleapis.com/google.protobuf.Struct"), Buffer.from([0x12])]);
  const st = Buffer.from(encodeStruct({ NAMESPACE: "ns1", WORKLOAD_NAME: "w1" }));
  assert.equal(decodeExchangePayload(Buffer.concat([flat, Buffer.from([st.length]), st]))?.workload, "w1");
});
