// The connection manager with `rds` and the real cluster manager: no route until the named
// route configuration arrives, then served; a bad update keeps the last good one; circuit
// breakers and outlier-free clusters come from part D's ClusterManager.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { HttpConnectionManager } from "../src/proxy/http/http-connection-manager.js";
import { compileHcmConfig } from "../src/proxy/http/hcm-config.js";
import { H1ConnectionPool } from "../src/proxy/http/upstream/connection-pool.js";
import { RouteConfigStore } from "../src/proxy/router/route-config-store.js";
import { ClusterManager } from "../src/proxy/upstream/index.js";
import { serveNetworkFilter, type ServedFilter } from "../src/proxy/http/testing/serve-hcm.js";

let upstream: Server;
let proxy: ServedFilter;
let pool: H1ConnectionPool;
let clusters: ClusterManager;
const routes = new RouteConfigStore();

before(async () => {
  upstream = createServer((req, res) => res.end(`served ${req.url ?? ""}`));
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
  const port = (upstream.address() as AddressInfo).port;
  clusters = new ClusterManager();
  clusters.set({
    name: "backend", type: "STATIC", connect_timeout: "1s",
    load_assignment: { cluster_name: "backend", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: port } } } }] }] },
  });
  clusters.set({
    name: "empty", type: "STATIC", connect_timeout: "1s",
    load_assignment: { cluster_name: "empty", endpoints: [] },
  });
  pool = new H1ConnectionPool();
  const config = compileHcmConfig({ stat_prefix: "rds", rds: { route_config_name: "8080" } });
  proxy = await serveNetworkFilter(new HttpConnectionManager(config, { nodeId: "t", clusters, routeConfigs: routes }, { pool }));
});

after(async () => {
  await proxy.close();
  pool.closeAll();
  clusters.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

function get(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(proxy.port, "127.0.0.1", () => s.end(`GET ${path} HTTP/1.1\r\nhost: app\r\nconnection: close\r\n\r\n`));
    const c: Buffer[] = [];
    s.on("data", (d: Buffer) => c.push(d));
    s.on("close", () => resolve(Buffer.concat(c).toString()));
    s.on("error", reject);
  });
}

test("no route before the route configuration arrives, served after, last good kept on a bad update", async () => {
  assert.match(await get("/x"), /^HTTP\/1\.1 404 [^]*route config "8080" has not arrived/);
  routes.set("8080", { virtual_hosts: [{ name: "app", domains: ["app"], routes: [
    { match: { prefix: "/none" }, route: { cluster: "empty" } },
    { match: { prefix: "/" }, route: { cluster: "backend" } },
  ] }] });
  assert.match(await get("/x"), /^HTTP\/1\.1 200 [^]*served \/x$/);
  assert.throws(() => routes.set("8080", { virtual_hosts: [{ name: "app", domains: ["app"], routes: [{ match: {}, route: { cluster: "backend" } }] }] }),
    /virtual_hosts\[0\]\.routes\[0\]\.match/);
  assert.match(await get("/y"), /served \/y$/);
  const uh = await get("/none");
  assert.match(uh, /^HTTP\/1\.1 503 /);
  assert.match(uh, /no healthy upstream: .*empty/);
});
