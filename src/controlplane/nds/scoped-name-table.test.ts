import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NDS_TYPE_URL, decodeNameTable } from "../../api/istio/nds.js";
import { nodeId } from "../../pilot/index.js";
import { BOOKINFO, storeFrom, TestMesh } from "../../pilot/testing/bookinfo.js";
import type { ProxyInfo } from "../../xds/index.js";
import { nameTableProxy, scopedNameTable, scopedNameTableResources } from "./scoped-name-table.js";

// Besides Bookinfo in default: a private and a shared service in team-a, one in istio-system,
// and an external ServiceEntry in default.
const MORE = `apiVersion: v1
kind: Service
metadata: { name: backend, namespace: team-a, annotations: { networking.istio.io/exportTo: "." } }
spec: { clusterIP: 10.96.1.1, selector: { app: backend }, ports: [{ name: http, port: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: shared, namespace: team-a }
spec: { clusterIP: 10.96.1.2, selector: { app: shared }, ports: [{ name: http, port: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: zipkin, namespace: istio-system }
spec: { clusterIP: 10.96.2.1, selector: { app: zipkin }, ports: [{ name: http, port: 9411 }] }
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: payments, namespace: default }
spec:
  hosts: [payments.example.com]
  addresses: [192.0.2.10]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{ number: 443, name: tls, protocol: TLS }]
`;

const sidecarYaml = (namespace: string, hosts: string[], selector?: Record<string, string>): string => `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: sc-${namespace}-${selector ? Object.values(selector).join("-") : "default"}, namespace: ${namespace} }
spec:
${selector ? `  workloadSelector: { labels: ${JSON.stringify(selector)} }\n` : ""}  egress: [{ hosts: ${JSON.stringify(hosts)} }]
`;

/** The xDS node of a pod's sidecar as the agent sends it (labels left to the registry's workload). */
function podNode(mesh: TestMesh, namespace: string, pod: string): ProxyInfo {
  const w = mesh.registry.snapshot().workload(namespace, pod);
  assert.ok(w, `no workload ${namespace}/${pod}`);
  const id = nodeId("sidecar", w.address, pod, namespace);
  return { id, cluster: "Kubernetes", node: { id, metadata: { NAMESPACE: namespace } } };
}

const names = (mesh: TestMesh, info: ProxyInfo): string[] => Object.keys(scopedNameTable(info, mesh.push()).table).sort();

const BOOKINFO_HOSTS = ["details", "productpage", "ratings", "reviews"].map((s) => `${s}.default.svc.cluster.local`);

describe("NDS name table under the proxy's Sidecar scope", () => {
  it("without a Sidecar lists every service exported to the proxy's namespace", () => {
    const mesh = new TestMesh(storeFrom(BOOKINFO, MORE));
    assert.deepEqual(names(mesh, podNode(mesh, "default", "reviews-v2")), [
      ...BOOKINFO_HOSTS, "payments.example.com", "shared.team-a.svc.cluster.local", "zipkin.istio-system.svc.cluster.local",
    ].sort());
  });

  it("a namespace's Sidecar keeps only the hosts its egress imports", () => {
    const mesh = new TestMesh(storeFrom(BOOKINFO, MORE, sidecarYaml("default", ["./ratings.default.svc.cluster.local", "istio-system/*"])));
    assert.deepEqual(names(mesh, podNode(mesh, "default", "reviews-v2")), ["ratings.default.svc.cluster.local", "zipkin.istio-system.svc.cluster.local"]);
  });

  it("namespace patterns: '*/host' from any namespace, 'team-a/*' cannot reach a service not exported to the proxy", () => {
    const mesh = new TestMesh(storeFrom(BOOKINFO, MORE, sidecarYaml("default", ["*/reviews.default.svc.cluster.local", "team-a/*", "./*.example.com"])));
    assert.deepEqual(names(mesh, podNode(mesh, "default", "productpage-v1")), [
      "payments.example.com", "reviews.default.svc.cluster.local", "shared.team-a.svc.cluster.local",
    ]);
  });

  it("a Sidecar selecting some workloads scopes those only", () => {
    const mesh = new TestMesh(storeFrom(BOOKINFO, MORE, sidecarYaml("default", ["./details.default.svc.cluster.local"], { app: "productpage" })));
    assert.deepEqual(names(mesh, podNode(mesh, "default", "productpage-v1")), ["details.default.svc.cluster.local"]);
    assert.ok(names(mesh, podNode(mesh, "default", "reviews-v1")).includes("ratings.default.svc.cluster.local"));
  });

  it("the root namespace's Sidecar applies to namespaces without their own", () => {
    const mesh = new TestMesh(storeFrom(BOOKINFO, MORE, sidecarYaml("istio-system", ["./*", "istio-system/*"])));
    assert.deepEqual(names(mesh, podNode(mesh, "default", "details-v1")), [...BOOKINFO_HOSTS, "payments.example.com", "zipkin.istio-system.svc.cluster.local"].sort());
  });

  it("gateways are not scoped by Sidecars", () => {
    const mesh = new TestMesh(storeFrom(BOOKINFO, MORE, sidecarYaml("default", ["./ratings.default.svc.cluster.local"])));
    const id = nodeId("router", "10.1.0.99", "ingressgateway", "default");
    const info: ProxyInfo = { id, cluster: "Kubernetes", node: { id, metadata: { LABELS: { istio: "ingressgateway" } } } };
    assert.ok(names(mesh, info).includes("reviews.default.svc.cluster.local"));
  });

  it("a node id pilot cannot parse gets the exportTo view of its namespace", () => {
    const mesh = new TestMesh(storeFrom(BOOKINFO, MORE, sidecarYaml("team-a", ["./backend.team-a.svc.cluster.local"])));
    const info: ProxyInfo = { id: "dns-only-client", cluster: "c", node: { id: "dns-only-client", metadata: { NAMESPACE: "team-a" } } };
    assert.equal(nameTableProxy(info, mesh.push()), undefined);
    assert.ok(names(mesh, info).includes("backend.team-a.svc.cluster.local"));
    assert.ok(names(mesh, info).includes("reviews.default.svc.cluster.local"));
  });

  it("keeps addresses and Kubernetes names, and encodes one NameTable that decodes back", () => {
    const mesh = new TestMesh(storeFrom(BOOKINFO, MORE, sidecarYaml("default", ["./ratings.default.svc.cluster.local", "./payments.example.com"])));
    const info = podNode(mesh, "default", "reviews-v3");
    const [r, ...rest] = scopedNameTableResources(info, mesh.push());
    assert.equal(rest.length, 0);
    assert.ok(r);
    assert.equal(r.any.type_url, NDS_TYPE_URL);
    const table = decodeNameTable(r.any.value).table;
    assert.deepEqual(table["ratings.default.svc.cluster.local"], { ips: ["10.96.0.13"], registry: "Kubernetes", shortname: "ratings", namespace: "default", alt_hosts: [] });
    assert.deepEqual(table["payments.example.com"], { ips: ["192.0.2.10"], registry: "External", shortname: "", namespace: "", alt_hosts: [] });
    assert.deepEqual(Object.keys(table).sort(), ["payments.example.com", "ratings.default.svc.cluster.local"]);
  });
});
