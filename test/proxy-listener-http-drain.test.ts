// A listener update while an HTTP request is in flight: the request completes on the old chain
// (its connection manager drains), new connections get the new chain.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HCM_TYPE_URL, httpConnectionManagerFactory } from "../src/proxy/http/http-connection-manager.js";
import { harness, listenerJson, type Harness } from "./proxy-listener-fixtures.js";

function hcm(statPrefix: string, cluster: string): Record<string, unknown> {
  return {
    name: "envoy.filters.network.http_connection_manager",
    typed_config: {
      "@type": HCM_TYPE_URL, stat_prefix: statPrefix, codec_type: "AUTO",
      route_config: { name: "r", virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster } }] }] },
      http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
    },
  };
}

function get(port: number, path: string): Promise<{ status: number; body: string; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let body = "";
      res.on("data", (b: Buffer) => { body += b.toString(); });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("listener update with an HTTP request in flight", () => {
  let h: Harness;
  let upstream: Server;
  let release: () => void = () => undefined;
  let arrived: () => void = () => undefined;
  const arrival = new Promise<void>((r) => { arrived = r; });
  before(async () => {
    h = harness(2000, [httpConnectionManagerFactory]);
    upstream = createServer((req, res) => {
      if (req.url === "/slow") {
        arrived();
        release = () => res.end("slow done");
      } else res.end(`fast ${req.url}`);
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
    h.addCluster("web", [(upstream.address() as AddressInfo).port]);
  });
  after(async () => {
    await h.close();
    upstream.closeAllConnections();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  it("finishes the in-flight request on the old chain and serves new ones on the new chain", async () => {
    const l = await h.manager.apply(listenerJson("http", [{ filters: [hcm("v1", "web")] }]));
    const inflight = get(l.port, "/slow");
    await arrival;
    await h.manager.apply(listenerJson("http", [{ filters: [hcm("v2", "web")] }]));
    const fresh = await get(l.port, "/new");
    assert.deepEqual([fresh.status, fresh.body], [200, "fast /new"]);
    release();
    const old = await inflight;
    assert.deepEqual([old.status, old.body], [200, "slow done"]);
    assert.equal(old.connection, "close", "a draining connection manager closes the connection after the response");
  });
});
