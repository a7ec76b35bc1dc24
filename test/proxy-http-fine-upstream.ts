// A connection manager in front of an upstream that answers every request "fine", for tests that
// throw bad input at the proxy and then check it still serves.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpConnectionManager } from "../src/proxy/http/http-connection-manager.js";
import { compileHcmConfig } from "../src/proxy/http/hcm-config.js";
import { H1ConnectionPool } from "../src/proxy/http/upstream/connection-pool.js";
import { StaticCluster, StaticClusterRegistry } from "../src/proxy/http/testing/static-clusters.js";
import { serveNetworkFilter } from "../src/proxy/http/testing/serve-hcm.js";
import type { HttpRequestRecord } from "../src/proxy/http/request-record.js";

export interface FineProxy {
  readonly port: number;
  close(): Promise<void>;
}

/** `hcm`: HttpConnectionManager fields besides the route config (every path goes to the upstream). */
export async function proxyToFineUpstream(hcm: Record<string, unknown>, observer?: (r: HttpRequestRecord) => void): Promise<FineProxy> {
  const upstream = createServer((req, res) => { req.resume(); req.on("end", () => res.end("fine")); });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
  const clusters = new StaticClusterRegistry([new StaticCluster("web", [["127.0.0.1", (upstream.address() as AddressInfo).port]])]);
  const pool = new H1ConnectionPool();
  const config = compileHcmConfig({
    ...hcm,
    route_config: { name: "r", virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: "web", timeout: "2s" } }] }] },
  });
  const served = await serveNetworkFilter(new HttpConnectionManager(config, { nodeId: "t", clusters }, { pool, ...(observer ? { observer } : {}) }));
  return {
    port: served.port,
    close: async () => {
      await served.close();
      pool.closeAll();
      upstream.closeAllConnections();
      await new Promise((r) => upstream.close(r));
    },
  };
}
