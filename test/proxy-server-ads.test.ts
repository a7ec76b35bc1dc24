// The proxy server fed over ADS by the project's ADS server core: CDS/EDS/LDS resources are
// applied to the real managers, an invalid listener is NACKed with its compile error alone.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { get as httpGet } from "node:http";
import { CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL } from "../src/api/envoy/type-urls.js";
import { ProxyServer } from "../src/proxy/server/proxy-server.js";
import { TCP_PROXY_TYPE } from "../src/proxy/tcp/config.js";
import { makeCa, makeLeaf } from "../src/proxy/tls/test-certs.js";
import { UPSTREAM_TLS_TYPE } from "../src/proxy/tls/upstream.js";
import { AdsServer, SnapshotCache, resourceFromEnvoyJson, type XdsResource } from "../src/xds/index.js";
import { closeServer, dial, freePort, greeter, readUntil } from "./proxy-listener-fixtures.js";

async function waitFor(what: string, cond: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function listener(name: string, port: number, cluster: string, chains = 1): XdsResource {
  const chain = { filter_chain_match: { destination_port: port || 1 }, filters: [{ name: "envoy.filters.network.tcp_proxy", typed_config: { "@type": TCP_PROXY_TYPE, stat_prefix: cluster, cluster } }] };
  return resourceFromEnvoyJson(LDS_TYPE_URL, {
    name, address: { socket_address: { address: "127.0.0.1", port_value: port } },
    filter_chains: new Array(chains).fill(chain),
  });
}

describe("proxy server over ADS", () => {
  let ads: AdsServer;
  let cache: SnapshotCache;
  let proxy: ProxyServer;
  let up: Awaited<ReturnType<typeof greeter>>;
  let adsPort = 0;
  before(async () => {
    up = await greeter("from-eds");
    cache = new SnapshotCache();
    ads = new AdsServer({ source: cache });
    adsPort = await ads.listen("127.0.0.1:0");
    proxy = new ProxyServer({
      drainTimeMs: 100, adminPort: 0,
      bootstrap: {
        node: { id: "sidecar~10.0.0.1~app.default~default.svc.cluster.local", cluster: "app" },
        dynamic_resources: { ads_config: { api_type: "GRPC", transport_api_version: "V3", grpc_services: [{ envoy_grpc: { cluster_name: "xds-grpc" } }] }, cds_config: { ads: {} }, lds_config: { ads: {} } },
        static_resources: {
          clusters: [{
            name: "xds-grpc", type: "STATIC", connect_timeout: "1s", typed_extension_protocol_options: {},
            load_assignment: { cluster_name: "xds-grpc", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: adsPort } } } }] }] },
          }],
        },
      },
    });
    await proxy.start();
  });
  after(async () => {
    await proxy.shutdown(0);
    await ads.close();
    await closeServer(up.server, up.sockets);
  });

  it("serves a listener and an EDS cluster received over ADS, and NACKs a bad listener alone", async () => {
    const port = await freePort();
    const good = listener("tcp_in", port, "web");
    const snapshot = (listeners: XdsResource[]): Record<string, XdsResource[]> => ({
      [CDS_TYPE_URL]: [resourceFromEnvoyJson(CDS_TYPE_URL, { name: "web", type: "EDS", connect_timeout: "1s", eds_cluster_config: { eds_config: { ads: {} } } })],
      [EDS_TYPE_URL]: [resourceFromEnvoyJson(EDS_TYPE_URL, { cluster_name: "web", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: up.port } } } }] }] })],
      [LDS_TYPE_URL]: listeners,
    });
    cache.setDefault(snapshot([good]));
    await waitFor("the listener", () => proxy.listeners.get("tcp_in")?.listening === true);
    await waitFor("LIVE", () => proxy.state === "LIVE");
    await waitFor("the endpoints", () => (proxy.clusters.list().find((c) => c.name === "web")?.hosts.length ?? 0) > 0);
    const c = await dial(port);
    assert.equal(await readUntil(c, "\n"), "from-eds\n");
    c.destroy();

    cache.setDefault(snapshot([good, listener("broken", 0, "web", 2)]));
    await waitFor("the NACK", () => ads.connections().some((s) => s.types[LDS_TYPE_URL]?.lastNack !== undefined));
    const nack = ads.connections()[0]?.types[LDS_TYPE_URL]?.lastNack?.message ?? "";
    assert.match(nack, /broken/);
    assert.match(nack, /filter_chains\[1\]\.filter_chain_match: same matching rules as filter_chains\[0\]/);
    assert.equal(proxy.listeners.get("broken"), undefined);
    const dump = proxy.dump.render() as { configs: { dynamic_listeners?: { name: string; error_state?: { details: string } }[] }[] };
    const errorState = dump.configs[2]?.dynamic_listeners?.find((l) => l.name === "broken")?.error_state;
    assert.match(errorState?.details ?? "", /same matching rules/);
    const again = await dial(port);
    assert.equal(await readUntil(again, "\n"), "from-eds\n");
    again.destroy();
  });
});

describe("proxy server initialization", () => {
  it("stays INITIALIZING (/ready 503) while no CDS and LDS response has arrived", async () => {
    const deadPort = await freePort();
    const proxy = new ProxyServer({
      drainTimeMs: 0, adminPort: 0,
      bootstrap: {
        node: { id: "n" },
        dynamic_resources: { ads_config: { api_type: "GRPC", grpc_services: [{ envoy_grpc: { cluster_name: "xds" } }] } },
        static_resources: { clusters: [{ name: "xds", type: "STATIC", connect_timeout: "1s", load_assignment: { cluster_name: "xds", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: deadPort } } } }] }] } }] },
      },
    });
    try {
      await proxy.start();
      assert.equal(proxy.state, "INITIALIZING");
      const ready = await new Promise<number>((resolve, reject) => {
        httpGet({ host: "127.0.0.1", port: proxy.adminPort, path: "/ready" }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on("error", reject);
      });
      assert.equal(ready, 503);
    } finally {
      await proxy.shutdown(0);
    }
  });
});

describe("proxy server over ADS with TLS (xDS cluster with an UpstreamTlsContext)", () => {
  it("connects to a TLS ADS server, checking its SPIFFE ID, and applies what it sends", async () => {
    const ca = await makeCa("Mesh CA");
    const istiod = await makeLeaf(ca, { cn: "istiod", uris: ["spiffe://cluster.local/ns/istio-system/sa/istiod"] });
    const sidecar = await makeLeaf(ca, { cn: "sidecar", uris: ["spiffe://cluster.local/ns/default/sa/app"] });
    const up = await greeter("over-tls");
    const cache = new SnapshotCache();
    const ads = new AdsServer({ source: cache });
    const adsPort = await ads.listen("127.0.0.1:0", grpc.ServerCredentials.createSsl(Buffer.from(ca.certPem), [{ cert_chain: Buffer.from(istiod.certPem), private_key: Buffer.from(istiod.keyPem) }], true));
    const port = await freePort();
    cache.setDefault({
      [CDS_TYPE_URL]: [resourceFromEnvoyJson(CDS_TYPE_URL, { name: "web", type: "STATIC", connect_timeout: "1s", load_assignment: { cluster_name: "web", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: up.port } } } }] }] } })],
      [LDS_TYPE_URL]: [listener("tls_fed", port, "web")],
    });
    const proxy = new ProxyServer({
      drainTimeMs: 100, adminPort: 0,
      bootstrap: {
        node: { id: "sidecar~10.0.0.2~app.default~default.svc.cluster.local", cluster: "app" },
        dynamic_resources: { ads_config: { api_type: "GRPC", grpc_services: [{ envoy_grpc: { cluster_name: "xds-grpc" } }] }, cds_config: { ads: {} }, lds_config: { ads: {} } },
        static_resources: {
          clusters: [{
            name: "xds-grpc", type: "STATIC", connect_timeout: "1s",
            load_assignment: { cluster_name: "xds-grpc", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: adsPort } } } }] }] },
            transport_socket: {
              name: "envoy.transport_sockets.tls",
              typed_config: {
                "@type": UPSTREAM_TLS_TYPE,
                common_tls_context: {
                  tls_certificates: [{ certificate_chain: { inline_string: sidecar.certPem }, private_key: { inline_string: sidecar.keyPem } }],
                  validation_context: { trusted_ca: { inline_string: ca.certPem }, match_subject_alt_names: [{ exact: "spiffe://cluster.local/ns/istio-system/sa/istiod" }] },
                },
              },
            },
          }],
        },
      },
    });
    try {
      await proxy.start();
      await waitFor("the listener over TLS ADS", () => proxy.listeners.get("tls_fed")?.listening === true);
      const c = await dial(port);
      assert.equal(await readUntil(c, "\n"), "over-tls\n");
      c.destroy();
    } finally {
      await proxy.shutdown(0);
      await ads.close();
      await closeServer(up.server, up.sockets);
    }
  });
});
