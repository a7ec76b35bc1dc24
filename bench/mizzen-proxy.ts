// Benchmark child: a Mizzen HTTP connection manager on a plain listener, routing everything to
// one static upstream (stand-in for `mizzen proxy --bootstrap` until that command is wired).
// Usage: node dist/bench/mizzen-proxy.js <listen port> <upstream port>
import { HttpConnectionManager } from "../src/proxy/http/http-connection-manager.js";
import { compileHcmConfig } from "../src/proxy/http/hcm-config.js";
import { StaticCluster, StaticClusterRegistry } from "../src/proxy/http/testing/static-clusters.js";
import { serveNetworkFilter } from "../src/proxy/http/testing/serve-hcm.js";

const listenPort = Number(process.argv[2]);
const upstreamPort = Number(process.argv[3]);
const clusters = new StaticClusterRegistry([new StaticCluster("upstream", [["127.0.0.1", upstreamPort]])]);
const config = compileHcmConfig({
  stat_prefix: "bench",
  codec_type: "AUTO",
  route_config: {
    name: "bench",
    virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ name: "default", match: { prefix: "/" }, route: { cluster: "upstream", timeout: "15s" } }] }],
  },
  http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
});
const hcm = new HttpConnectionManager(config, { nodeId: "bench", clusters });
serveNetworkFilter(hcm, listenPort).then(() => process.stdout.write("ready\n"), (e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
// Exit through process.exit so --cpu-prof and similar flags can write their output.
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
