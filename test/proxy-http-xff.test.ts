// x-forwarded-for and xff_num_trusted_hops through a running connection manager: the trusted
// client address feeds RBAC remote_ip, x-envoy-external-address and the request record; and the
// control plane's gateways get use_remote_address + gatewayTopology.numTrustedProxies.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpConnectionManager } from "../src/proxy/http/http-connection-manager.js";
import { compileHcmConfig } from "../src/proxy/http/hcm-config.js";
import { H1ConnectionPool } from "../src/proxy/http/upstream/connection-pool.js";
import { StaticCluster, StaticClusterRegistry } from "../src/proxy/http/testing/static-clusters.js";
import { serveNetworkFilter, type ServedFilter } from "../src/proxy/http/testing/serve-hcm.js";
import type { HttpRequestRecord } from "../src/proxy/http/request-record.js";
import { bookinfo, TestMesh } from "../src/pilot/testing/bookinfo.js";
import { defaultMeshConfig } from "../src/config/mesh/index.js";
import { nodeId, proxyFromNode } from "../src/pilot/proxy.js";
import "../src/proxy/http/filters/builtin.js";

let upstream: Server;
let upstreamPort = 0;
const served: ServedFilter[] = [];
const pools: H1ConnectionPool[] = [];
const records: HttpRequestRecord[] = [];

/** A connection manager whose RBAC allows only clients in 203.0.113.0/24 (remote_ip). */
async function serveGateway(useRemoteAddress: boolean, trustedHops: number): Promise<number> {
  const pool = new H1ConnectionPool();
  pools.push(pool);
  const config = compileHcmConfig({
    stat_prefix: "gw",
    use_remote_address: useRemoteAddress,
    xff_num_trusted_hops: trustedHops,
    route_config: { name: "r", virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: "web" } }] }] },
    http_filters: [
      { name: "envoy.filters.http.rbac", typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC",
        rules: { action: "ALLOW", policies: { "clients-from-203.0.113.0/24": {
          permissions: [{ any: true }],
          principals: [{ remote_ip: { address_prefix: "203.0.113.0", prefix_len: 24 } }],
        } } },
      } },
      { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } },
    ],
  });
  const clusters = new StaticClusterRegistry([new StaticCluster("web", [["127.0.0.1", upstreamPort]])]);
  const s = await serveNetworkFilter(new HttpConnectionManager(config, { nodeId: "test", clusters }, { pool, observer: (r) => records.push(r) }));
  served.push(s);
  return s.port;
}

let edgeOneHop = 0;
let edgeNoHops = 0;
let internalOneHop = 0;

before(async () => {
  upstream = createServer((req, res) => { req.resume(); req.on("end", () => res.end(JSON.stringify(req.headers))); });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  upstreamPort = (upstream.address() as AddressInfo).port;
  edgeOneHop = await serveGateway(true, 1);
  edgeNoHops = await serveGateway(true, 0);
  internalOneHop = await serveGateway(false, 1);
});

after(async () => {
  for (const s of served) await s.close();
  for (const p of pools) p.closeAll();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

function get(port: number, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", headers: { host: "gw.local", ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

test("use_remote_address, one trusted hop: the XFF address the trusted proxy appended is the client RBAC remote_ip sees", async () => {
  const ok = await get(edgeOneHop, { "x-forwarded-for": "203.0.113.7" });
  assert.equal(ok.status, 200);
  const seen = JSON.parse(ok.body) as Record<string, string>;
  assert.equal(seen["x-envoy-external-address"], "203.0.113.7");
  assert.equal(seen["x-forwarded-for"], "203.0.113.7, 127.0.0.1", "the peer is appended (use_remote_address)");
  assert.equal(records.at(-1)?.downstreamRemoteAddress, "203.0.113.7", "the access log's downstream remote address");
});

test("an address the client wrote left of the trusted hop is not trusted", async () => {
  const r = await get(edgeOneHop, { "x-forwarded-for": "203.0.113.7, 198.51.100.9" });
  assert.equal(r.status, 403, "the trusted client is 198.51.100.9, outside the allowed range");
  assert.equal(r.body, "RBAC: access denied");
  assert.equal(records.at(-1)?.downstreamRemoteAddress, "198.51.100.9");
});

test("no XFF: the trusted client is the peer (127.0.0.1), outside the allowed range", async () => {
  assert.equal((await get(edgeOneHop, {})).status, 403);
  assert.equal(records.at(-1)?.downstreamRemoteAddress, "127.0.0.1");
});

test("use_remote_address without trusted hops: XFF is ignored, the peer is the client", async () => {
  const r = await get(edgeNoHops, { "x-forwarded-for": "203.0.113.7" });
  assert.equal(r.status, 403, "a client cannot pick its address by writing XFF");
  assert.equal(records.at(-1)?.downstreamRemoteAddress, "127.0.0.1");
});

test("without use_remote_address, one trusted hop: the second address from the right", async () => {
  const r = await get(internalOneHop, { "x-forwarded-for": "203.0.113.7, 198.51.100.9" });
  assert.equal(r.status, 200);
  const seen = JSON.parse(r.body) as Record<string, string>;
  assert.equal(seen["x-forwarded-for"], "203.0.113.7, 198.51.100.9", "XFF passes unchanged");
  assert.equal(seen["x-envoy-external-address"], undefined, "set only with use_remote_address");
  assert.equal(records.at(-1)?.downstreamRemoteAddress, "203.0.113.7");
  assert.equal((await get(internalOneHop, { "x-forwarded-for": "203.0.113.7" })).status, 403, "one address is fewer than N+1: the peer");
});

test("gateways: use_remote_address and xff_num_trusted_hops from gatewayTopology.numTrustedProxies", () => {
  const gatewayYaml = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 8080, name: http, protocol: HTTP }
    hosts: ["*"]
`;
  const hcmOf = (m: TestMesh): Record<string, unknown> => {
    const gw = m.gateway("istio-system", "ingress-0", "10.4.0.1", { istio: "ingressgateway" });
    const l = m.resources(gw).listeners.find((x) => x["name"] === "0.0.0.0_8080");
    const chain = (l?.["filter_chains"] as { filters: { typed_config: Record<string, unknown> }[] }[] | undefined)?.[0];
    const hcm = chain?.filters[0]?.typed_config;
    assert.ok(hcm, "the gateway's HTTP listener");
    return hcm;
  };
  const plain = hcmOf(bookinfo(gatewayYaml));
  assert.equal(plain["use_remote_address"], true);
  assert.equal(plain["xff_num_trusted_hops"], undefined);
  const base = defaultMeshConfig();
  const topo = new TestMesh(bookinfo(gatewayYaml).store, { ...base, defaultConfig: { ...base.defaultConfig, gatewayTopology: { numTrustedProxies: 2 } } });
  assert.equal(hcmOf(topo)["xff_num_trusted_hops"], 2);
  // The gateway pod's proxy.istio.io/config annotation overrides the mesh default, as in Istio.
  const annotated = (config: string): Record<string, unknown> => {
    const gw = proxyFromNode({ id: nodeId("router", "10.4.0.2", "ingress-1", "istio-system"), metadata: { LABELS: { istio: "ingressgateway" }, ANNOTATIONS: { "proxy.istio.io/config": config } } });
    const l = topo.resources(gw).listeners.find((x) => x["name"] === "0.0.0.0_8080");
    return (l?.["filter_chains"] as { filters: { typed_config: Record<string, unknown> }[] }[])[0]?.filters[0]?.typed_config ?? {};
  };
  assert.equal(annotated("gatewayTopology:\n  numTrustedProxies: 1\n")["xff_num_trusted_hops"], 1);
  assert.equal(annotated('{"gatewayTopology":{"numTrustedProxies":0}}')["xff_num_trusted_hops"], undefined, "0 from the pod wins over the mesh's 2");
  assert.equal(annotated("{ not yaml")["xff_num_trusted_hops"], 2, "an unreadable annotation leaves the mesh default");
});
