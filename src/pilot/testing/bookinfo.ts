// Bookinfo-shaped config and helpers for the pilot tests: decode YAML into a store, build the
// registry and PushContext, and make the proxy of a pod or gateway.
import { decodeText } from "../../config/decode/index.js";
import { defaultMeshConfig, type MeshConfig } from "../../config/mesh/index.js";
import { ConfigStore } from "../../config/store/index.js";
import { MizzenError } from "../../errors.js";
import { Registry } from "../../registry/index.js";
import { generateProxyResources, type ProxyResources } from "../generate.js";
import { nodeId, proxyFromNode, type Proxy } from "../proxy.js";
import { PushContext } from "../push-context.js";
import { TrafficSimulator } from "../simulate/index.js";

function pod(name: string, app: string, version: string, ip: string, sa: string, ns = "default"): string {
  return `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ${ns}, labels: { app: ${app}, version: ${version} } }
spec:
  serviceAccountName: ${sa}
  containers: [{ name: ${app}, image: ${app}, ports: [{ containerPort: 9080, name: http }] }]
status: { podIP: ${ip} }
`;
}

function service(name: string, ip: string, ns = "default"): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${ns}, labels: { app: ${name} } }
spec:
  clusterIP: ${ip}
  selector: { app: ${name} }
  ports: [{ name: http, port: 9080, targetPort: 9080 }]
`;
}

/** Bookinfo in namespace default: four services, reviews in three versions, plus an ingress gateway pod. */
export const BOOKINFO = [
  service("productpage", "10.96.0.10"),
  service("details", "10.96.0.11"),
  service("reviews", "10.96.0.12"),
  service("ratings", "10.96.0.13"),
  pod("productpage-v1", "productpage", "v1", "10.1.0.10", "bookinfo-productpage"),
  pod("details-v1", "details", "v1", "10.1.0.11", "bookinfo-details"),
  pod("reviews-v1", "reviews", "v1", "10.1.0.21", "bookinfo-reviews"),
  pod("reviews-v2", "reviews", "v2", "10.1.0.22", "bookinfo-reviews"),
  pod("reviews-v3", "reviews", "v3", "10.1.0.23", "bookinfo-reviews"),
  pod("ratings-v1", "ratings", "v1", "10.1.0.30", "bookinfo-ratings"),
].join("---\n");

export const REVIEWS_SUBSETS = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: default }
spec:
  host: reviews
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
  - { name: v3, labels: { version: v3 } }
`;

/** Decodes YAML documents into a new store; any decoding error throws (test config must be valid). */
export function storeFrom(...texts: string[]): ConfigStore {
  const store = new ConfigStore();
  texts.forEach((t, i) => applyYaml(store, t, `test-${i}.yaml`));
  return store;
}

export function applyYaml(store: ConfigStore, text: string, file = "test.yaml"): void {
  const decoded = decodeText(text, file);
  const errors = decoded.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) {
    throw new MizzenError("MIZZEN_ERR_TEST_CONFIG", `test config does not decode: ${errors.map((e) => `${e.path ?? ""} ${e.message}`).join("; ")}`);
  }
  for (const r of decoded.resources) store.apply(r);
}

export class TestMesh {
  readonly registry: Registry;

  constructor(
    readonly store: ConfigStore,
    readonly mesh: MeshConfig = defaultMeshConfig(),
  ) {
    this.registry = new Registry(store);
  }

  push(): PushContext {
    return PushContext.build(this.store, this.registry.snapshot(), this.mesh);
  }

  /** The sidecar proxy of a pod known to the registry. */
  sidecar(namespace: string, name: string): Proxy {
    const w = this.registry.snapshot().workload(namespace, name);
    if (!w) throw new MizzenError("MIZZEN_ERR_TEST_CONFIG", `no workload ${namespace}/${name}`);
    return proxyFromNode({ id: nodeId("sidecar", w.address, name, namespace), metadata: { LABELS: w.labels, SERVICE_ACCOUNT: w.serviceAccount } }, w);
  }

  gateway(namespace: string, name: string, ip: string, labels: Record<string, string>): Proxy {
    return proxyFromNode({ id: nodeId("router", ip, name, namespace), metadata: { LABELS: labels } });
  }

  resources(proxy: Proxy): ProxyResources {
    return generateProxyResources(proxy, this.push());
  }

  simulator(proxy: Proxy): TrafficSimulator {
    return new TrafficSimulator(this.resources(proxy));
  }
}

export function bookinfo(...extra: string[]): TestMesh {
  return new TestMesh(storeFrom(BOOKINFO, ...extra));
}
