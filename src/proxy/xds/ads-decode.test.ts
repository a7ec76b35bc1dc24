import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeEnvoyJson } from "../../api/envoy/from-envoy-json.js";
import { envoyType } from "../../api/envoy/protos.js";
import { CDS_TYPE_URL, CLUSTER_TYPE, EDS_TYPE_URL, ENDPOINT_TYPE, LDS_TYPE_URL, LISTENER_TYPE } from "../../api/envoy/type-urls.js";
import { Backoff } from "./ads-client-state.js";
import { decodeResource, nackMessage, type DecodeResult } from "./ads-decode.js";

function fresh(): DecodeResult {
  return { resources: [], errors: [], warnings: [] };
}

describe("decoding xDS resources", () => {
  it("names a ClusterLoadAssignment by cluster_name and a Cluster by name", () => {
    const out = fresh();
    decodeResource(EDS_TYPE_URL, { type_url: EDS_TYPE_URL, value: encodeEnvoyJson(ENDPOINT_TYPE, { cluster_name: "c1" }) }, "v1", "", 0, out);
    decodeResource(CDS_TYPE_URL, { type_url: CDS_TYPE_URL, value: encodeEnvoyJson(CLUSTER_TYPE, { name: "c2" }) }, "v1", "", 1, out);
    assert.deepEqual(out.resources.map((r) => [r.name, r.version]), [["c1", "v1"], ["c2", "v1"]]);
    assert.deepEqual(out.errors, []);
  });

  it("rejects a wrong type, undecodable bytes and rule violations, each with a reason", () => {
    const out = fresh();
    decodeResource(CDS_TYPE_URL, { type_url: LDS_TYPE_URL, value: new Uint8Array() }, "v", "x", 0, out);
    decodeResource(CDS_TYPE_URL, { type_url: CDS_TYPE_URL, value: Uint8Array.from([0x0a, 0xff]) }, "v", "", 1, out);
    const type = envoyType(CLUSTER_TYPE);
    decodeResource(CDS_TYPE_URL, { type_url: CDS_TYPE_URL, value: type.encode(type.create({ name: "c", connect_timeout: { seconds: -1 } })).finish() }, "v", "", 2, out);
    assert.equal(out.resources.length, 0);
    assert.deepEqual(out.errors.map((e) => e.name), ["x", "#1", "c"]);
    assert.match(out.errors[0]?.error ?? "", /does not match/);
    assert.match(out.errors[1]?.error ?? "", /^cannot decode envoy\.config\.cluster\.v3\.Cluster/);
    assert.equal(out.errors[2]?.error, "Proto constraint validation failed: connect_timeout: value must be greater than 0s");
    assert.equal(nackMessage(out.errors).split("\n").length, 3);
  });

  it("keeps an unknown typed config as @type + base64 and warns about it", () => {
    const listener = envoyType(LISTENER_TYPE);
    const bytes = listener.encode(listener.create({
      name: "l",
      filter_chains: [{ filters: [{ name: "x", typed_config: { type_url: "type.googleapis.com/example.Private", value: Uint8Array.from([8, 1]) } }] }],
    })).finish();
    const out = fresh();
    decodeResource(LDS_TYPE_URL, { type_url: LDS_TYPE_URL, value: bytes }, "v", "", 0, out);
    assert.equal(out.errors.length, 0);
    assert.deepEqual(out.resources[0]?.resource.filter_chains, [{ filters: [{ name: "x", typed_config: { "@type": "type.googleapis.com/example.Private", value: "CAE=" } }] }]);
    assert.deepEqual(out.warnings, ["l: unknown type filter_chains[0].filters[0].typed_config: type.googleapis.com/example.Private"]);
  });
});

describe("reconnect back-off", () => {
  it("grows exponentially, stays within [base/2, base] and never exceeds the cap", () => {
    const b = new Backoff(100, 1000);
    const bases = [100, 200, 400, 800, 1000, 1000, 1000];
    for (const base of bases) {
      const d = b.next();
      assert.ok(d >= base / 2 && d <= base, `${d} not in [${base / 2}, ${base}]`);
    }
    b.reset();
    assert.ok(b.next() <= 100);
  });
});
