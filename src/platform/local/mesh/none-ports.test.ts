import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Resource } from "../../../config/resource.js";
import { egressGatewayService } from "./egress-gateway.js";
import { nonePortMapper } from "./none-ports.js";

const gateway = (name: string, istio: string): Resource => ({
  apiVersion: "networking.istio.io/v1", kind: "Gateway", metadata: { name, namespace: "default" },
  spec: { selector: { istio }, servers: [{ port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["*"] }] },
} as Resource);

const routeThroughEgress: Resource = {
  apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "through-egress", namespace: "default" },
  spec: {
    hosts: ["httpbin.example.test"], gateways: ["egress", "mesh"],
    http: [
      { match: [{ gateways: ["mesh"], port: 80 }], route: [{ destination: { host: "istio-egressgateway.istio-system.svc.cluster.local" } }] },
      { match: [{ gateways: ["egress"], port: 80 }], route: [{ destination: { host: "httpbin.example.test" } }] },
    ],
  },
} as Resource;

const serverPorts = (r: Resource): number[] => ((r["spec"] as { servers: { port: { number: number } }[] }).servers).map((s) => s.port.number);

describe("NONE host ports for gateway config", () => {
  const map = nonePortMapper({ ingressPort: 8080, ingressHttpsPort: 8443, egressHttpPort: 31000 }, [gateway("egress", "egressgateway")]);

  it("puts the ingress Gateway on the ingress port and the egress Gateway on its own port", () => {
    assert.deepEqual(serverPorts(map(gateway("ingress", "ingressgateway"))), [8080]);
    assert.deepEqual(serverPorts(map(gateway("egress", "egressgateway"))), [31000]);
  });

  it("moves the port of matches bound to the egress gateway only, and the egress Service's target port", () => {
    const http = ((map(routeThroughEgress)["spec"] as { http: { match: { port: number }[] }[] }).http).map((h) => h.match[0]?.port);
    assert.deepEqual(http, [80, 31000], "the mesh's match keeps the Service port");
    const ports = (map(egressGatewayService())["spec"] as { ports: { port: number; targetPort: number }[] }).ports;
    assert.deepEqual(ports.map((p) => [p.port, p.targetPort]), [[80, 31000], [443, 443]]);
  });

  it("finds the egress Gateway among the config already applied", () => {
    const later = nonePortMapper({ ingressPort: 8080, egressHttpPort: 31000 }, [routeThroughEgress], [gateway("egress", "egressgateway")]);
    const http = ((later(routeThroughEgress)["spec"] as { http: { match: { port: number }[] }[] }).http).map((h) => h.match[0]?.port);
    assert.deepEqual(http, [80, 31000]);
  });
});
