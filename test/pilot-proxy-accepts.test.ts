// The Mizzen proxy's own listener compiler (the one its LDS applier runs) accepts every listener
// pilot generates for sidecars and gateways: sniffed, TCP, TLS-by-SNI, virtual, inbound, HTTPS.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bookinfo, REVIEWS_SUBSETS } from "../src/pilot/testing/bookinfo.js";
import { compileListener } from "../src/proxy/listener/compile.js";
import { NetworkFilterRegistry } from "../src/proxy/listener/filter-registry.js";
import { tcpProxyFactory } from "../src/proxy/tcp/tcp-proxy.js";
import { httpConnectionManagerFactory } from "../src/proxy/http/http-connection-manager.js";
import { telemetryNetworkFilterFactories } from "../src/telemetry/metadata/metadata-exchange-filter.js";
import { SecretStore } from "../src/proxy/tls/secret-store.js";
import { ClusterManager } from "../src/proxy/upstream/index.js";
import { StatsStore } from "../src/proxy/admin/stats.js";
import { RouteConfigStore } from "../src/proxy/router/index.js";

const EXTRA = `apiVersion: v1
kind: Service
metadata: { name: legacy, namespace: default }
spec:
  clusterIP: 10.96.0.70
  selector: { app: legacy }
  ports: [{ name: web, port: 7070 }, { name: tls-x, port: 8443 }, { name: tcp-db, port: 5432 }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: legacy-tls, namespace: default }
spec:
  hosts: [legacy.default.svc.cluster.local]
  tls: [{ match: [{ port: 8443, sniHosts: [legacy.default.svc.cluster.local] }], route: [{ destination: { host: legacy, port: { number: 8443 } } }] }]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  selector: { istio: ingressgateway }
  servers:
  - { port: { number: 8080, name: http, protocol: HTTP }, hosts: ["*"] }
  - { port: { number: 8443, name: https, protocol: HTTPS }, hosts: [shop.example.com], tls: { mode: SIMPLE, credentialName: shop-cert } }
  - { port: { number: 9443, name: tls, protocol: TLS }, hosts: [legacy.example.com], tls: { mode: PASSTHROUGH } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: shop, namespace: default }
spec:
  hosts: ["*"]
  gateways: [gw]
  http: [{ route: [{ destination: { host: productpage } }] }]
  tls: [{ match: [{ port: 9443, sniHosts: [legacy.example.com] }], route: [{ destination: { host: legacy, port: { number: 8443 } } }] }]
`;

test("every generated listener compiles in the proxy", () => {
  const registry = new NetworkFilterRegistry();
  registry.register(tcpProxyFactory);
  registry.register(httpConnectionManagerFactory);
  for (const f of telemetryNetworkFilterFactories) registry.register(f);
  const clusters = new ClusterManager({ timers: false });
  const ctx = { registry, services: { nodeId: "test", clusters, stats: new StatsStore(), routeConfigs: new RouteConfigStore() }, secrets: new SecretStore() };
  try {
    const mesh = bookinfo(REVIEWS_SUBSETS, EXTRA);
    const proxies = [
      mesh.sidecar("default", "productpage-v1"),
      mesh.sidecar("default", "reviews-v1"),
      mesh.gateway("istio-system", "ingress-0", "10.4.0.1", { istio: "ingressgateway" }),
    ];
    let n = 0;
    for (const p of proxies) {
      for (const l of mesh.resources(p).listeners) {
        assert.equal(compileListener(l, ctx).name, l["name"]);
        n++;
      }
    }
    assert.ok(n >= 10, `compiled ${n} listeners`);
  } finally {
    clusters.close();
  }
});
