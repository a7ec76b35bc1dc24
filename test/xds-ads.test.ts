// The proxy's ADS client against Mizzen's ADS server over real gRPC streams on 127.0.0.1,
// state-of-the-world and delta: sync, update, a rejected resource, removal, server restart.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { envoyType } from "../src/api/envoy/protos.js";
import { CDS_TYPE_URL, CLUSTER_TYPE, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL } from "../src/api/envoy/type-urls.js";
import type { EnvoyJson } from "../src/proxy/contracts.js";
import { AdsClient, type DecodedResource, type ResourceError } from "../src/proxy/xds/ads-client.js";
import { AdsServer } from "../src/xds/ads-server.js";
import { rawResource, resourceFromEnvoyJson, type XdsResource } from "../src/xds/resource.js";
import { SnapshotCache } from "../src/xds/source.js";

async function waitFor(what: string, cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function edsCluster(name: string): EnvoyJson {
  return { name, type: "EDS", connect_timeout: "1s", eds_cluster_config: { eds_config: { ads: {} } } };
}

function cla(cluster: string, ports: number[]): EnvoyJson {
  return { cluster_name: cluster, endpoints: [{ lb_endpoints: ports.map((p) => ({ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: p } } } })) }] };
}

function listener(name: string, routeName: string): EnvoyJson {
  return {
    name,
    address: { socket_address: { address: "127.0.0.1", port_value: 10000 } },
    filter_chains: [{ filters: [{ name: "envoy.filters.network.http_connection_manager", typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
      stat_prefix: "in", rds: { route_config_name: routeName, config_source: { ads: {} } },
      http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
    } }] }],
  };
}

function routes(name: string, cluster: string): EnvoyJson {
  return { name, virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster } }] }] };
}

/** A cluster that decodes but breaks Envoy's validate rules (connect_timeout must be > 0s). */
function invalidCluster(name: string): XdsResource {
  const type = envoyType(CLUSTER_TYPE);
  const bytes = type.encode(type.create({ name, connect_timeout: { seconds: 0, nanos: 0 } })).finish();
  return rawResource(CDS_TYPE_URL, name, bytes);
}

const res = (typeUrl: string, json: EnvoyJson): XdsResource => resourceFromEnvoyJson(typeUrl, json);

/** What a proxy would do: hold resources per type, follow EDS/RDS names, reject some by rule. */
class FakeProxyState {
  readonly applied = new Map<string, Map<string, EnvoyJson>>();
  readonly batches: { typeUrl: string; names: string[]; removed: string[] }[] = [];
  client: AdsClient | undefined;

  readonly applier = (typeUrl: string, resources: DecodedResource[], removed: string[]): ResourceError[] => {
    this.batches.push({ typeUrl, names: resources.map((r) => r.name), removed });
    const table = this.applied.get(typeUrl) ?? new Map<string, EnvoyJson>();
    this.applied.set(typeUrl, table);
    const errors: ResourceError[] = [];
    for (const r of resources) {
      if (r.name.startsWith("refused-")) errors.push({ name: r.name, error: "refused by the applier" });
      else table.set(r.name, r.resource);
    }
    for (const n of removed) table.delete(n);
    if (typeUrl === CDS_TYPE_URL) this.client?.setResourceNames(EDS_TYPE_URL, [...table.values()].filter((c) => c.type === "EDS").map((c) => String(c.name)));
    if (typeUrl === LDS_TYPE_URL) {
      const names = [...table.values()].map((l) => JSON.stringify(l).match(/"route_config_name":"([^"]+)"/)?.[1]).filter((n): n is string => n !== undefined);
      this.client?.setResourceNames(RDS_TYPE_URL, names);
    }
    return errors;
  };

  names(typeUrl: string): string[] {
    return [...(this.applied.get(typeUrl)?.keys() ?? [])].sort();
  }
}

for (const delta of [false, true]) {
  describe(`ADS client and server (${delta ? "delta" : "state of the world"})`, () => {
    const cache = new SnapshotCache();
    let server: AdsServer;
    let port = 0;
    const proxy = new FakeProxyState();
    let client: AdsClient;
    let snapshot: Record<string, XdsResource[]>;

    before(async () => {
      snapshot = {
        [CDS_TYPE_URL]: [res(CDS_TYPE_URL, edsCluster("a")), res(CDS_TYPE_URL, { name: "b", type: "STATIC", connect_timeout: "1s", load_assignment: cla("b", [9]) })],
        [EDS_TYPE_URL]: [res(EDS_TYPE_URL, cla("a", [8080]))],
        [LDS_TYPE_URL]: [res(LDS_TYPE_URL, listener("l", "r1"))],
        [RDS_TYPE_URL]: [res(RDS_TYPE_URL, routes("r1", "a"))],
      };
      cache.setDefault(snapshot);
      server = new AdsServer({ source: cache });
      port = await server.listen("127.0.0.1:0");
      client = new AdsClient({ address: `127.0.0.1:${port}`, node: { id: "sidecar~127.0.0.2~p.ns~ns.svc.cluster.local", cluster: "p.ns", metadata: { NAMESPACE: "ns" } }, delta, applier: proxy.applier, backoff: { initialMs: 20, maxMs: 200 } });
      proxy.client = client;
      client.start();
    });

    after(async () => {
      client.stop();
      await server.close();
    });

    it("syncs CDS, EDS, LDS and RDS and reports SYNCED with the node's identity", async () => {
      await waitFor("initial sync", () => proxy.names(RDS_TYPE_URL).length === 1 && proxy.names(EDS_TYPE_URL).length === 1);
      assert.deepEqual(proxy.names(CDS_TYPE_URL), ["a", "b"]);
      assert.deepEqual(proxy.names(LDS_TYPE_URL), ["l"]);
      assert.deepEqual(proxy.applied.get(EDS_TYPE_URL)?.get("a"), cla("a", [8080]));
      await client.settled();
      await waitFor("acks", () => Object.values(server.connections()[0]?.types ?? {}).filter((t) => t.status === "SYNCED").length === 4);
      const conn = server.connections()[0];
      assert.equal(conn?.proxyId, "sidecar~127.0.0.2~p.ns~ns.svc.cluster.local");
      assert.equal(conn?.protocol, delta ? "delta" : "SotW");
      assert.deepEqual(conn?.metadata, { NAMESPACE: "ns" });
      assert.ok(client.state()[CDS_TYPE_URL]?.version);
      assert.deepEqual(client.acceptedResources(EDS_TYPE_URL).map((r) => r.resource), [cla("a", [8080])]);
    });

    it("delivers an update", async () => {
      snapshot[EDS_TYPE_URL] = [res(EDS_TYPE_URL, cla("a", [8080, 8081]))];
      cache.setDefault(snapshot);
      await waitFor("EDS update", () => JSON.stringify(proxy.applied.get(EDS_TYPE_URL)?.get("a")).includes("8081"));
    });

    it("NACKs rejected resources with their reasons while keeping the accepted ones", async () => {
      const cds = snapshot[CDS_TYPE_URL] ?? [];
      snapshot[CDS_TYPE_URL] = [...cds, invalidCluster("bad"), res(CDS_TYPE_URL, edsCluster("refused-c")), res(CDS_TYPE_URL, edsCluster("c"))];
      cache.setDefault(snapshot);
      await waitFor("NACK recorded", () => server.connections()[0]?.types[CDS_TYPE_URL]?.lastNack !== undefined);
      const tracking = server.connections()[0]?.types[CDS_TYPE_URL];
      assert.equal(tracking?.status, "STALE");
      const message = tracking?.lastNack?.message ?? "";
      assert.match(message, /^bad: Proto constraint validation failed: connect_timeout: value must be greater than 0s$/m);
      assert.match(message, /^refused-c: refused by the applier$/m);
      assert.deepEqual(proxy.names(CDS_TYPE_URL), ["a", "b", "c"]);
      assert.match(client.state()[CDS_TYPE_URL]?.lastError?.message ?? "", /bad: /);
    });

    it("removes a resource that is gone", async () => {
      snapshot[CDS_TYPE_URL] = [res(CDS_TYPE_URL, edsCluster("a")), res(CDS_TYPE_URL, edsCluster("c"))];
      cache.setDefault(snapshot);
      await waitFor("CDS removal", () => !proxy.names(CDS_TYPE_URL).includes("b"));
      assert.deepEqual(proxy.names(CDS_TYPE_URL), ["a", "c"]);
      assert.deepEqual(client.acceptedResources(CDS_TYPE_URL).map((r) => r.name).sort(), ["a", "c"]);
      await waitFor("CDS SYNCED again", () => server.connections()[0]?.types[CDS_TYPE_URL]?.status === "SYNCED");
      assert.ok(server.connections()[0]?.types[CDS_TYPE_URL]?.lastNack, "the last NACK's error is kept");
    });

    it("reconnects after a server restart and resubscribes with what it holds", async () => {
      await server.close();
      await waitFor("client notices", () => !client.connected);
      snapshot[CDS_TYPE_URL] = [...(snapshot[CDS_TYPE_URL] ?? []), res(CDS_TYPE_URL, edsCluster("d"))];
      snapshot[EDS_TYPE_URL] = [...(snapshot[EDS_TYPE_URL] ?? []), res(EDS_TYPE_URL, cla("d", [7000]))];
      cache.setDefault(snapshot);
      const batchesBefore = proxy.batches.length;
      server = new AdsServer({ source: cache });
      await server.listen(`127.0.0.1:${port}`);
      await waitFor("resync", () => proxy.names(CDS_TYPE_URL).includes("d") && proxy.names(EDS_TYPE_URL).includes("d"));
      await waitFor("SYNCED after restart", () => ["CDS", "EDS", "LDS", "RDS"].length === Object.values(server.connections()[0]?.types ?? {}).filter((t) => t.status === "SYNCED").length);
      assert.deepEqual(proxy.names(CDS_TYPE_URL), ["a", "c", "d"]);
      assert.ok(client.streamsOpened >= 2);
      const cdsAfter = proxy.batches.slice(batchesBefore).filter((b) => b.typeUrl === CDS_TYPE_URL);
      if (delta) {
        // initial_resource_versions told the new server what the client holds: only "d" is sent.
        assert.deepEqual(cdsAfter.flatMap((b) => b.names), ["d"]);
      } else {
        assert.deepEqual(cdsAfter.at(-1)?.names.sort(), ["a", "c", "d"]);
      }
    });
  });
}
