// Pilot's translation served by the ADS server over real gRPC on 127.0.0.1 to the proxy's ADS
// client: the proxy syncs every type with no NACK, and a VirtualService change reroutes it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL } from "../src/api/envoy/index.js";
import { nodeId, PilotXdsGenerator, TrafficSimulator, type PushContext } from "../src/pilot/index.js";
import { applyYaml, BOOKINFO, REVIEWS_SUBSETS, storeFrom, TestMesh } from "../src/pilot/testing/bookinfo.js";
import type { EnvoyJson } from "../src/proxy/contracts.js";
import { AdsClient, type DecodedResource } from "../src/proxy/xds/ads-client.js";
import { AdsServer } from "../src/xds/index.js";

async function waitFor(what: string, cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** What a proxy keeps: resources per type, following EDS names from CDS and RDS names from LDS. */
class ProxyTables {
  readonly tables = new Map<string, Map<string, EnvoyJson>>();
  client: AdsClient | undefined;

  readonly applier = (typeUrl: string, resources: DecodedResource[], removed: string[]): [] => {
    const t = this.tables.get(typeUrl) ?? new Map<string, EnvoyJson>();
    this.tables.set(typeUrl, t);
    for (const r of resources) t.set(r.name, r.resource);
    for (const n of removed) t.delete(n);
    if (typeUrl === CDS_TYPE_URL) this.client?.setResourceNames(EDS_TYPE_URL, [...t.values()].filter((c) => c["type"] === "EDS").map((c) => String(c["name"])));
    if (typeUrl === LDS_TYPE_URL) {
      const names = [...t.values()].flatMap((l) => [...JSON.stringify(l).matchAll(/"route_config_name":"([^"]+)"/g)].map((m) => m[1] ?? ""));
      this.client?.setResourceNames(RDS_TYPE_URL, [...new Set(names)]);
    }
    return [];
  };

  list(typeUrl: string): EnvoyJson[] {
    return [...(this.tables.get(typeUrl)?.values() ?? [])];
  }

  simulator(): TrafficSimulator {
    return new TrafficSimulator({ listeners: this.list(LDS_TYPE_URL), routes: this.list(RDS_TYPE_URL), clusters: this.list(CDS_TYPE_URL), endpoints: this.list(EDS_TYPE_URL) });
  }
}

test("a sidecar syncs its generated config over ADS and follows a VirtualService applied at run time", async () => {
  const mesh = new TestMesh(storeFrom(BOOKINFO, REVIEWS_SUBSETS));
  let push: PushContext = mesh.push();
  const generator = new PilotXdsGenerator(() => push);
  const server = new AdsServer({ source: generator.generate });
  const port = await server.listen("127.0.0.1:0");
  const tables = new ProxyTables();
  const client = new AdsClient({
    address: `127.0.0.1:${port}`,
    node: { id: nodeId("sidecar", "10.1.0.10", "productpage-v1", "default"), cluster: "productpage.default", metadata: { NAMESPACE: "default", LABELS: { app: "productpage", version: "v1" } } },
    applier: tables.applier,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  tables.client = client;
  client.start();
  try {
    const call = { address: "10.96.0.12", port: 9080, host: "reviews:9080", headers: { "end-user": "jason" } };
    await waitFor("initial sync", () => tables.list(RDS_TYPE_URL).some((r) => r["name"] === "9080") && tables.list(EDS_TYPE_URL).length > 0);
    assert.equal(tables.simulator().run(call).cluster, "outbound|9080||reviews.default.svc.cluster.local");
    await waitFor("every type acknowledged", () => {
      const types = server.connections()[0]?.types ?? {};
      return [CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL].every((t) => types[t]?.status === "SYNCED");
    });

    applyYaml(mesh.store, `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http:
  - match: [{ headers: { end-user: { exact: jason } } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
  - route: [{ destination: { host: reviews, subset: v1 } }]
`);
    push = mesh.push();
    await server.push();
    await waitFor("rerouted", () => tables.simulator().run(call).cluster === "outbound|9080|v2|reviews.default.svc.cluster.local");
    assert.equal(tables.simulator().run({ ...call, headers: {} }).cluster, "outbound|9080|v1|reviews.default.svc.cluster.local");
    for (const t of Object.values(server.connections()[0]?.types ?? {})) assert.equal(t.lastNack, undefined);
  } finally {
    client.stop();
    await server.close();
  }
});
