import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NDS_TYPE_URL, decodeNameTable } from "../../api/istio/nds.js";
import type { MeshService } from "../../registry/index.js";
import { buildNameTable, nameTableResources, proxyNamespace } from "./name-table.js";

function svc(hostname: string, over: Partial<MeshService> = {}): MeshService {
  return {
    hostname, namespace: "default", name: hostname.split(".")[0] ?? "", kind: "Service", address: "10.96.0.1",
    ports: [], exportTo: "*", location: "MESH_INTERNAL", resolution: "CLIENT_SIDE_LB", ...over,
  };
}

const node = (id: string, metadata: Record<string, unknown> = {}): { id: string; cluster: string; node: Record<string, unknown> } => ({ id, cluster: "c", node: { id, metadata } });

describe("NDS name table", () => {
  it("lists Services with their Kubernetes names and ServiceEntry hosts as External", () => {
    const t = buildNameTable([
      svc("reviews.default.svc.cluster.local", { address: "10.96.0.5" }),
      svc("api.example.com", { kind: "ServiceEntry", name: "external-api", address: "192.0.2.10" }),
    ], "default");
    assert.deepEqual(t.table["reviews.default.svc.cluster.local"], { ips: ["10.96.0.5"], registry: "Kubernetes", shortname: "reviews", namespace: "default", alt_hosts: [] });
    assert.deepEqual(t.table["api.example.com"], { ips: ["192.0.2.10"], registry: "External", shortname: "", namespace: "", alt_hosts: [] });
  });

  it("leaves out wildcard hosts, services without an address and those not exported to the namespace", () => {
    const t = buildNameTable([
      svc("*.example.com", { kind: "ServiceEntry" }),
      svc("headless.default.svc.cluster.local", { address: undefined }),
      svc("private.team.svc.cluster.local", { namespace: "team", exportTo: new Set(["team"]) }),
      svc("shared.team.svc.cluster.local", { namespace: "team", exportTo: new Set(["default"]) }),
      svc("own.default.svc.cluster.local", { exportTo: new Set() }),
    ], "default");
    assert.deepEqual(Object.keys(t.table).sort(), ["own.default.svc.cluster.local", "shared.team.svc.cluster.local"]);
  });

  it("merges the addresses of one host declared twice", () => {
    const t = buildNameTable([
      svc("db.example", { kind: "ServiceEntry", address: "192.0.2.1" }),
      svc("db.example", { kind: "ServiceEntry", address: "192.0.2.2" }),
    ], "default");
    assert.deepEqual(t.table["db.example"]?.ips, ["192.0.2.1", "192.0.2.2"]);
  });

  it("encodes one NameTable resource per proxy that decodes back to the same table", () => {
    const services = [svc("reviews.default.svc.cluster.local", { address: "10.96.0.5" })];
    const [r, ...rest] = nameTableResources(node("sidecar~10.0.0.1~a.default~default.svc.cluster.local"), services);
    assert.equal(rest.length, 0);
    assert.ok(r);
    assert.equal(r.any.type_url, NDS_TYPE_URL);
    assert.deepEqual(decodeNameTable(r.any.value), buildNameTable(services, "default"));
  });

  it("takes the proxy's namespace from metadata, else from the node id", () => {
    assert.equal(proxyNamespace(node("sidecar~10.0.0.1~a.shop~shop.svc.cluster.local")), "shop");
    assert.equal(proxyNamespace(node("sidecar~10.0.0.1~a.shop~shop.svc.cluster.local", { NAMESPACE: "billing" })), "billing");
    assert.equal(proxyNamespace(node("proxyless-client")), "default");
  });

  it("rejects bytes that are not a NameTable with a stable code", () => {
    assert.throws(() => decodeNameTable(Uint8Array.from([0x0a, 0xff, 0xff])), { code: "MIZZEN_ERR_NDS_INVALID" });
  });
});
