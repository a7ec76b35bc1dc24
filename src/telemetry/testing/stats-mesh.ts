// A small two-hop mesh on 127.0.0.1 for telemetry tests: a client-side proxy (productpage's
// sidecar, outbound) balancing round robin over two server-side proxies (reviews v1 and v2
// sidecars, inbound) in front of two apps, each proxy with its own workload metadata, Istio
// metrics and merged metrics endpoint. Requests to /fail are aborted with 503 by the server
// sidecars' fault filter (as a VirtualService fault injection would).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpConnectionManager } from "../../proxy/http/http-connection-manager.js";
import { compileHcmConfig, type HcmConfig } from "../../proxy/http/hcm-config.js";
import { H1ConnectionPool } from "../../proxy/http/upstream/connection-pool.js";
import { StaticCluster, StaticClusterRegistry } from "../../proxy/http/testing/static-clusters.js";
import { serveNetworkFilter, type ServedFilter } from "../../proxy/http/testing/serve-hcm.js";
import type { HttpRequestObserver } from "../../proxy/http/request-record.js";
import { ProxyTelemetry } from "../proxy-telemetry.js";
import { IstioStatsFilter, recordHttpTelemetry } from "../stats/http-stats.js";
import { compilePluginConfig } from "../stats/plugin-config.js";
import { startMergedMetricsServer, type MergedMetricsServer } from "../merged-metrics-server.js";

export const REVIEWS_HOST = "reviews.default.svc.cluster.local";
const FAULT_TYPE = "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault";

export interface MeshProxy {
  readonly telemetry: ProxyTelemetry;
  readonly served: ServedFilter;
  readonly metrics: MergedMetricsServer;
}

export interface StatsMesh {
  readonly client: MeshProxy;
  readonly servers: readonly MeshProxy[];
  /** Port of the client sidecar's outbound listener. */
  readonly entryPort: number;
  close(): Promise<void>;
}

function nodeMeta(app: string, version: string): Record<string, unknown> {
  return {
    NAME: `${app}-${version}-0`, NAMESPACE: "default", WORKLOAD_NAME: `${app}-${version}`,
    LABELS: { app, version }, SERVICE_ACCOUNT: `bookinfo-${app}`, CLUSTER_ID: "Kubernetes", MESH_ID: "cluster.local",
  };
}

function listen(s: Server): Promise<number> {
  return new Promise((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));
}

function withFilters(config: HcmConfig, t: ProxyTelemetry, pluginConfig: Record<string, unknown>): HcmConfig {
  const stats = new IstioStatsFilter("istio.stats", compilePluginConfig(pluginConfig), () => t);
  return { ...config, filters: [stats, ...config.filters] };
}

export interface StatsMeshOptions {
  /** stats.PluginConfig for every proxy (metric overrides). */
  pluginConfig?: Record<string, unknown>;
  /** Extra request observer per proxy. */
  observer?: HttpRequestObserver;
  /** Extra HCM fields (access_log, tracing) for the client sidecar and the server sidecars. */
  clientHcm?: Record<string, unknown>;
  serverHcm?: Record<string, unknown>;
}

export async function startStatsMesh(opts: StatsMeshOptions = {}): Promise<StatsMesh> {
  const pool = new H1ConnectionPool();
  const apps: Server[] = [];
  const proxies: MeshProxy[] = [];
  const observer: HttpRequestObserver = opts.observer === undefined ? recordHttpTelemetry : (r) => { recordHttpTelemetry(r); (opts.observer as HttpRequestObserver)(r); };
  const pluginConfig = opts.pluginConfig ?? {};
  const servers: MeshProxy[] = [];
  for (const version of ["v1", "v2"]) {
    let hits = 0;
    const app = createServer((req, res) => {
      req.resume();
      if (req.url === "/metrics") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(`# TYPE reviews_app_hits_total counter\nreviews_app_hits_total{version="${version}"} ${hits}\n`);
        return;
      }
      hits++;
      res.writeHead(200, {
        "content-type": "text/plain", "x-peer-seen": req.headers["x-envoy-peer-metadata"] === undefined ? "no" : "yes",
        "x-seen-traceparent": req.headers["traceparent"] ?? "", "x-seen-b3-parent": req.headers["x-b3-parentspanid"] ?? "",
      });
      res.end(`reviews ${version}\n`);
    });
    apps.push(app);
    const appPort = await listen(app);
    const telemetry = new ProxyTelemetry({ nodeId: `sidecar~127.0.0.1~reviews-${version}-0.default~default.svc.cluster.local`, nodeMetadata: nodeMeta("reviews", version) });
    const inboundCluster = "inbound|9080||";
    const config = compileHcmConfig({
      ...opts.serverHcm,
      stat_prefix: "inbound_0.0.0.0_9080",
      route_config: {
        name: "inbound|9080||",
        virtual_hosts: [{
          name: "inbound|http|9080", domains: ["*"],
          routes: [
            { name: "fail", match: { prefix: "/fail" }, route: { cluster: inboundCluster },
              typed_per_filter_config: { "envoy.filters.http.fault": { "@type": FAULT_TYPE, abort: { http_status: 503, percentage: { numerator: 100, denominator: "HUNDRED" } } } } },
            { name: "default", match: { prefix: "/" }, route: { cluster: inboundCluster } },
          ],
        }],
      },
      http_filters: [
        { name: "envoy.filters.http.fault", typed_config: { "@type": FAULT_TYPE } },
        { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } },
      ],
    });
    const clusters = new StaticClusterRegistry([new StaticCluster(inboundCluster, [["127.0.0.1", appPort]])]);
    const hcm = new HttpConnectionManager(withFilters(config, telemetry, pluginConfig), { nodeId: telemetry.node.id, clusters }, { observer, pool });
    const served = await serveNetworkFilter(hcm);
    const metrics = await startMergedMetricsServer({
      port: 0, host: "127.0.0.1", proxyStats: () => telemetry.metrics.expose(),
      appScrape: version === "v1" ? { host: "127.0.0.1", port: appPort, path: "/metrics" } : undefined,
    });
    const p = { telemetry, served, metrics };
    servers.push(p);
    proxies.push(p);
  }
  const telemetry = new ProxyTelemetry({ nodeId: "sidecar~127.0.0.1~productpage-v1-0.default~default.svc.cluster.local", nodeMetadata: nodeMeta("productpage", "v1") });
  const cluster = `outbound|9080||${REVIEWS_HOST}`;
  const config = compileHcmConfig({
    ...opts.clientHcm,
    stat_prefix: "outbound_0.0.0.0_9080",
    route_config: { name: "9080", virtual_hosts: [{ name: "reviews:9080", domains: ["*"], routes: [{ name: "default", match: { prefix: "/" }, route: { cluster } }] }] },
    http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
  });
  const clusters = new StaticClusterRegistry([new StaticCluster(cluster, servers.map((s) => ["127.0.0.1", s.served.port] as const))]);
  const hcm = new HttpConnectionManager(withFilters(config, telemetry, pluginConfig), { nodeId: telemetry.node.id, clusters }, { observer, pool });
  const served = await serveNetworkFilter(hcm);
  const metrics = await startMergedMetricsServer({ port: 0, host: "127.0.0.1", proxyStats: () => telemetry.metrics.expose() });
  const client = { telemetry, served, metrics };
  proxies.push(client);
  return {
    client, servers, entryPort: served.port,
    async close() {
      for (const p of proxies) { await p.served.close(); await p.metrics.close(); }
      pool.closeAll();
      for (const a of apps) { a.closeAllConnections(); await new Promise((r) => a.close(r)); }
    },
  };
}
