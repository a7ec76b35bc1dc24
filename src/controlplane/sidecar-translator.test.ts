// The sharing in SidecarTranslator must not change what any proxy gets: for sidecars alike but for
// their address (one of them a workload with inbound ports), its output equals pilot's own
// generateProxyResources for each of them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL } from "../api/envoy/type-urls.js";
import { decodeText } from "../config/decode/index.js";
import { defaultMeshConfig } from "../config/mesh/index.js";
import { ConfigStore } from "../config/store/index.js";
import { PushContext, generateProxyResources, proxyFromNode } from "../pilot/index.js";
import { Registry } from "../registry/index.js";
import { EncodeCache } from "./encode-cache.js";
import { SidecarTranslator } from "./sidecar-translator.js";

const CONFIG = `apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: default}
spec:
  selector: {app: db}
  ports: [{name: tcp, port: 5432}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 30
    - destination: {host: reviews, subset: v2}
      weight: 70
`;

function sortByName(list: readonly object[]): string[] {
  return list.map((x) => JSON.stringify(x)).sort();
}

describe("SidecarTranslator", () => {
  for (const mode of ["REDIRECT", "NONE"]) {
    it(`gives each sidecar exactly what generateProxyResources gives it (${mode})`, () => {
      const store = new ConfigStore();
      const decoded = decodeText(CONFIG, "mesh.yaml");
      assert.deepEqual(decoded.diagnostics.filter((d) => d.severity === "error"), []);
      for (const r of decoded.resources) store.apply(r);
      const registry = new Registry(store);
      registry.upsertWorkload({ name: "reviews-v1", namespace: "default", address: "10.0.0.1", labels: { app: "reviews", version: "v1" } });
      registry.upsertWorkload({ name: "reviews-v2", namespace: "default", address: "10.0.0.2", labels: { app: "reviews", version: "v2" } });
      registry.upsertWorkload({ name: "db-0", namespace: "default", address: "10.0.0.3", labels: { app: "db" } });
      const snapshot = registry.snapshot();
      const push = PushContext.build(store, snapshot, defaultMeshConfig());
      const translator = new SidecarTranslator(new EncodeCache(() => undefined), () => undefined);
      translator.rebuild(store, snapshot, defaultMeshConfig());
      // Same labels: the first is a workload with inbound ports, the second is not.
      const metadata = { NAMESPACE: "default", LABELS: { app: "reviews", version: "v1" }, INTERCEPTION_MODE: mode };
      for (const ip of ["10.0.0.1", "10.0.0.9"]) {
        const id = `sidecar~${ip}~client-${ip}.default~default.svc.cluster.local`;
        const info = { id, cluster: "c", node: { id, metadata } };
        const expected = generateProxyResources(proxyFromNode({ id, metadata }, snapshot.workloadByAddress(ip)), push);
        assert.equal(expected.clusters.some((c) => String(c["name"]).startsWith("inbound|")), ip === "10.0.0.1", "only the workload has inbound clusters");
        const got = (t: string): object[] => translator.resources(info, t).map((g) => g.json);
        assert.deepEqual(sortByName(got(CDS_TYPE_URL)), sortByName(expected.clusters), `clusters for ${ip}`);
        assert.deepEqual(sortByName(got(EDS_TYPE_URL)), sortByName(expected.endpoints), `endpoints for ${ip}`);
        assert.deepEqual(sortByName(got(LDS_TYPE_URL)), sortByName(expected.listeners), `listeners for ${ip}`);
        assert.deepEqual(sortByName(got(RDS_TYPE_URL)), sortByName(expected.routes), `routes for ${ip}`);
      }
    });
  }
});
