// The Envoy bootstrap the benchmark hands to `mizzen proxy`: one HTTP listener routing
// everything to one static upstream over keep-alive HTTP/1.1.
import { writeFileSync } from "node:fs";

export function benchBootstrap(listenPort: number, upstreamPort: number): Record<string, unknown> {
  const address = (port: number) => ({ socket_address: { address: "127.0.0.1", port_value: port } });
  return {
    node: { id: `bench-${listenPort}`, cluster: "bench" },
    admin: { address: address(0) },
    static_resources: {
      listeners: [{
        name: "bench", address: address(listenPort),
        filter_chains: [{ filters: [{ name: "envoy.filters.network.http_connection_manager", typed_config: {
          "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
          stat_prefix: "bench",
          route_config: { name: "bench", virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: "upstream" } }] }] },
          http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
        } }] }],
      }],
      clusters: [{
        name: "upstream", type: "STATIC", connect_timeout: "1s",
        load_assignment: { cluster_name: "upstream", endpoints: [{ lb_endpoints: [{ endpoint: { address: address(upstreamPort) } }] }] },
      }],
    },
  };
}

export function writeBenchBootstrap(file: string, listenPort: number, upstreamPort: number): string {
  writeFileSync(file, `${JSON.stringify(benchBootstrap(listenPort, upstreamPort), null, 2)}\n`);
  return file;
}
