// Interop: @grpc/grpc-js-xds (a real xDS client written by others) resolves an xds:/// target
// through Mizzen's ADS server, calls a real gRPC server, and its NACK lands in the server's tracking.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as grpcXds from "@grpc/grpc-js-xds";
import { CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL } from "../src/api/envoy/type-urls.js";
import type { EnvoyJson } from "../src/proxy/contracts.js";
import { AdsServer } from "../src/xds/ads-server.js";
import { resourceFromEnvoyJson, type XdsResource } from "../src/xds/resource.js";
import { SnapshotCache } from "../src/xds/source.js";

const SERVICE = "echo.mizzen.test";
const CLUSTER = "outbound|50051||echo.mizzen.test";
const METHOD = "/mizzen.test.Echo/Echo";
const NODE_ID = "proxyless~127.0.0.1~client.default~default.svc.cluster.local";

const identity = {
  serialize: (b: Buffer): Buffer => b,
  deserialize: (b: Buffer): Buffer => b,
};

async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function apiListener(): EnvoyJson {
  return {
    name: SERVICE,
    api_listener: { api_listener: {
      "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
      stat_prefix: SERVICE,
      route_config: { name: SERVICE, virtual_hosts: [{ name: SERVICE, domains: [SERVICE], routes: [{ match: { prefix: "" }, route: { cluster: CLUSTER } }] }] },
      http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
    } },
  };
}

function edsCluster(): EnvoyJson {
  return { name: CLUSTER, type: "EDS", connect_timeout: "1s", lb_policy: "ROUND_ROBIN", eds_cluster_config: { eds_config: { ads: {} } } };
}

function loadAssignment(port: number): EnvoyJson {
  return {
    cluster_name: CLUSTER,
    endpoints: [{ locality: { region: "local" }, load_balancing_weight: 1, lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: port } } } }] }],
  };
}

function call(client: grpc.Client, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(METHOD, identity.serialize, identity.deserialize, Buffer.from(payload), { deadline: Date.now() + 10_000 }, (err, res) => {
      if (err || !res) reject(err ?? new Error("no response"));
      else resolve(res.toString());
    });
  });
}

describe("@grpc/grpc-js-xds against Mizzen's ADS server", () => {
  const cache = new SnapshotCache();
  const ads = new AdsServer({ source: cache });
  const app = new grpc.Server();
  let client: grpc.Client | undefined;
  let snapshot: Record<string, XdsResource[]>;

  before(async () => {
    app.addService({ Echo: { path: METHOD, requestStream: false, responseStream: false, requestSerialize: identity.serialize, requestDeserialize: identity.deserialize, responseSerialize: identity.serialize, responseDeserialize: identity.deserialize } }, {
      Echo: (c: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from(`echo:${c.request.toString()}`)),
    });
    const appPort = await new Promise<number>((resolve, reject) => app.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    const adsPort = await ads.listen("127.0.0.1:0");
    snapshot = {
      [LDS_TYPE_URL]: [resourceFromEnvoyJson(LDS_TYPE_URL, apiListener())],
      [CDS_TYPE_URL]: [resourceFromEnvoyJson(CDS_TYPE_URL, edsCluster())],
      [EDS_TYPE_URL]: [resourceFromEnvoyJson(EDS_TYPE_URL, loadAssignment(appPort))],
      [RDS_TYPE_URL]: [],
    };
    cache.set(NODE_ID, snapshot);
    process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
      xds_servers: [{ server_uri: `127.0.0.1:${adsPort}`, channel_creds: [{ type: "insecure" }], server_features: ["xds_v3"] }],
      node: { id: NODE_ID, cluster: "client.default", locality: { region: "local" } },
    });
    grpcXds.register();
  });

  after(async () => {
    client?.close();
    await ads.close();
    app.forceShutdown();
  });

  it("resolves xds:/// through LDS, CDS and EDS and completes a unary call", async () => {
    client = new grpc.Client(`xds:///${SERVICE}`, grpc.credentials.createInsecure());
    assert.equal(await call(client, "hello"), "echo:hello");
    await waitFor("ACKs", () => {
      const types = ads.connections().find((c) => c.proxyId === NODE_ID)?.types ?? {};
      return [LDS_TYPE_URL, CDS_TYPE_URL, EDS_TYPE_URL].every((t) => types[t]?.status === "SYNCED");
    });
  });

  it("records the NACK grpc-js-xds sends for a resource it rejects", async () => {
    snapshot[CDS_TYPE_URL] = [resourceFromEnvoyJson(CDS_TYPE_URL, { name: CLUSTER, type: "STATIC", connect_timeout: "1s", load_assignment: { cluster_name: CLUSTER } })];
    cache.set(NODE_ID, snapshot);
    await waitFor("NACK", () => ads.connections().find((c) => c.proxyId === NODE_ID)?.types[CDS_TYPE_URL]?.lastNack !== undefined);
    const cds = ads.connections().find((c) => c.proxyId === NODE_ID)?.types[CDS_TYPE_URL];
    assert.equal(cds?.status, "STALE");
    assert.match(cds?.lastNack?.message ?? "", /Unsupported type STATIC/);
    // The client keeps the last good cluster, so calls still succeed.
    assert.ok(client);
    assert.equal(await call(client, "again"), "echo:again");
  });
});
