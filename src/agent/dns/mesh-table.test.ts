import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { MeshService } from "../../registry/index.js";
import { DnsTable } from "./dns-table.js";
import { dnsTableFromServices } from "./mesh-table.js";

const svc = (hostname: string, namespace: string, address: string | undefined, exportTo: MeshService["exportTo"] = "*", kind: MeshService["kind"] = "Service"): MeshService => ({
  hostname, namespace, name: hostname.split(".")[0] ?? hostname, kind, address, ports: [], exportTo, location: "MESH_INTERNAL", resolution: "CLIENT_SIDE_LB",
});

describe("DNS table from mesh services", () => {
  it("takes VIPs of services visible to the pod's namespace and skips wildcards and address-less services", () => {
    const input = dnsTableFromServices([
      svc("reviews.default.svc.cluster.local", "default", "10.96.0.5"),
      svc("secret.other.svc.cluster.local", "other", "10.96.0.6", new Set(["other"])),
      svc("api.example.com", "default", "240.240.0.1", "*", "ServiceEntry"),
      svc("*.wild.example", "default", "240.240.0.2", "*", "ServiceEntry"),
      svc("headless.default.svc.cluster.local", "default", undefined),
    ], "default");
    assert.deepEqual(input.hosts, { "reviews.default.svc.cluster.local": ["10.96.0.5"], "api.example.com": ["240.240.0.1"] });
    const table = new DnsTable(input);
    assert.deepEqual(table.lookup("reviews"), { kind: "answer", addresses: ["10.96.0.5"] });
    assert.deepEqual(table.lookup("secret.other"), { kind: "forward" });
    assert.deepEqual(table.lookup("secret.other.svc.cluster.local"), { kind: "nxdomain" });
  });
});
