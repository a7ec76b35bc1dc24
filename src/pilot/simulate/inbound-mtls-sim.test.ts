// Inbound filter chain choice under PeerAuthentication, simulated over generated resources as
// Istio's pilot simulation tests do: mesh mTLS is recognised by Istio's ALPNs, an app's own TLS
// on a PERMISSIVE TCP port passes through, STRICT takes only TLS.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TestMesh, storeFrom } from "../testing/bookinfo.js";

const MESH = `apiVersion: v1
kind: Service
metadata: { name: api, namespace: default }
spec:
  clusterIP: 10.96.1.2
  selector: { app: api }
  ports: [{ name: http, port: 9080, targetPort: 9080 }, { name: tcp-secure, port: 8443, targetPort: 8443 }]
---
apiVersion: v1
kind: Pod
metadata: { name: api-0, namespace: default, labels: { app: api, security.istio.io/tlsMode: istio } }
spec:
  serviceAccountName: api-sa
  containers: [{ name: api, image: api, ports: [{ containerPort: 9080 }, { containerPort: 8443 }] }]
status: { podIP: 10.2.0.2 }
`;

const STRICT = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: strict, namespace: default }
spec: { mtls: { mode: STRICT } }
`;

const MESH_TCP_ALPN = ["istio-peer-exchange", "istio"];
const MESH_HTTP_ALPN = ["istio-http/1.1", "istio"];

function simulator(...extra: string[]): ReturnType<TestMesh["simulator"]> {
  const mesh = new TestMesh(storeFrom(MESH, ...extra));
  return mesh.simulator(mesh.sidecar("default", "api-0"));
}

test("PERMISSIVE TCP port: mesh mTLS client → mTLS chain; app TLS client (h2, http/1.1 or no ALPN) → passthrough chain; plaintext → plaintext chain", () => {
  const sim = simulator();
  const mesh = sim.run({ inbound: true, address: "10.2.0.2", port: 8443, protocol: "tcp", alpn: MESH_TCP_ALPN });
  assert.equal(mesh.filterChain, "inbound|8443||-mtls");
  assert.equal(mesh.cluster, "inbound|8443||");
  for (const alpn of [["h2", "http/1.1"], ["http/1.1"], []]) {
    const app = sim.run({ inbound: true, address: "10.2.0.2", port: 8443, protocol: "tls", sni: "api.example.com", alpn });
    assert.equal(app.filterChain, "inbound|8443||-app-tls", `ALPN ${alpn.join(",")}`);
    assert.equal(app.cluster, "inbound|8443||");
  }
  const plain = sim.run({ inbound: true, address: "10.2.0.2", port: 8443, protocol: "tcp" });
  assert.equal(plain.filterChain, "inbound|8443||");
  // The app-TLS chain carries no transport socket: the proxy never terminates the app's TLS.
  const chains = (sim.resources.listeners.find((l) => l["name"] === "virtualInbound")?.["filter_chains"] ?? []) as Record<string, unknown>[];
  assert.equal(chains.find((c) => c["name"] === "inbound|8443||-app-tls")?.["transport_socket"], undefined);
  assert.notEqual(chains.find((c) => c["name"] === "inbound|8443||-mtls")?.["transport_socket"], undefined);
});

test("PERMISSIVE HTTP port: mesh mTLS (istio-http/1.1) routes over the mTLS chain; ordinary TLS matches nothing (Istio: HTTP ports take mTLS or plaintext)", () => {
  const sim = simulator();
  const mesh = sim.run({ inbound: true, address: "10.2.0.2", port: 9080, alpn: MESH_HTTP_ALPN, host: "api" });
  assert.equal(mesh.filterChain, "inbound|9080||-mtls");
  assert.equal(mesh.cluster, "inbound|9080||");
  assert.equal(sim.run({ inbound: true, address: "10.2.0.2", port: 9080, alpn: ["h2", "http/1.1"] }).error, "no filter chain");
  assert.equal(sim.run({ inbound: true, address: "10.2.0.2", port: 9080, host: "api" }).filterChain, "inbound|9080||");
});

test("STRICT: any TLS reaches the mTLS chain (the handshake then demands a mesh certificate); plaintext matches nothing", () => {
  const sim = simulator(STRICT);
  assert.equal(sim.run({ inbound: true, address: "10.2.0.2", port: 8443, protocol: "tcp", alpn: MESH_TCP_ALPN }).filterChain, "inbound|8443||-mtls");
  assert.equal(sim.run({ inbound: true, address: "10.2.0.2", port: 8443, protocol: "tls", alpn: ["h2"] }).filterChain, "inbound|8443||-mtls");
  assert.equal(sim.run({ inbound: true, address: "10.2.0.2", port: 8443, protocol: "tcp" }).error, "no filter chain");
  assert.equal(sim.run({ inbound: true, address: "10.2.0.2", port: 9080, host: "api" }).error, "no filter chain");
});
