import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dnsCaptureConfig, dnsTableFromNameTable } from "./dns-capture.js";

const ID = "sidecar~10.0.0.1~app-1.shop~shop.svc.cluster.local";

describe("DNS capture config", () => {
  it("is off without the flag or DNS_CAPTURE=true", () => {
    assert.equal(dnsCaptureConfig(undefined, { id: ID, metadata: {} }), undefined);
    assert.equal(dnsCaptureConfig(undefined, { id: ID, metadata: { DNS_CAPTURE: "false" } }), undefined);
  });

  it("takes DNS_CAPTURE and DNS_PROXY_PORT from node metadata (15053 by default), the namespace from the node id", () => {
    assert.deepEqual(dnsCaptureConfig(undefined, { id: ID, metadata: { DNS_CAPTURE: "true" } }), { port: 15053, namespace: "shop", domain: "cluster.local", address: "127.0.0.1" });
    assert.deepEqual(dnsCaptureConfig(undefined, { id: ID, metadata: { DNS_CAPTURE: "TRUE", DNS_PROXY_PORT: "15054", NAMESPACE: "web" } }), { port: 15054, namespace: "web", domain: "cluster.local", address: "127.0.0.1" });
  });

  it("lets the flag win and reports a bad DNS_PROXY_PORT", () => {
    assert.equal((dnsCaptureConfig(0, { id: ID, metadata: { DNS_PROXY_PORT: "x" } }) as { port: number }).port, 0);
    assert.match((dnsCaptureConfig(undefined, { id: ID, metadata: { DNS_CAPTURE: "true", DNS_PROXY_PORT: "70000" } }) as { error: string }).error, /DNS_PROXY_PORT/);
  });

  it("turns a NameTable into the DNS proxy's table, dropping hosts without addresses", () => {
    const t = dnsTableFromNameTable({ table: {
      "reviews.default.svc.cluster.local": { ips: ["10.96.0.5"], registry: "Kubernetes", shortname: "reviews", namespace: "default", alt_hosts: [] },
      "empty.example": { ips: [], registry: "External", shortname: "", namespace: "", alt_hosts: [] },
    } }, "default", "cluster.local");
    assert.deepEqual(t, { namespace: "default", domain: "cluster.local", hosts: { "reviews.default.svc.cluster.local": ["10.96.0.5"] } });
  });
});
