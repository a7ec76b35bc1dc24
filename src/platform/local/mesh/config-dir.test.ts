import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMizzenError } from "../../../errors.js";
import { loadValidated, mapGatewayPorts, readConfigDir, removeResources, resourceFileName, writeResources } from "./config-dir.js";

const dir = mkdtempSync(join(tmpdir(), "mizzen-configdir-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const GATEWAY = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: gw }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 80, name: http, protocol: HTTP }
    hosts: ["*"]
  - port: { number: 443, name: https, protocol: HTTPS }
    hosts: ["*"]
    tls: { mode: SIMPLE, credentialName: cert }
`;

describe("the mesh's config directory", () => {
  it("writes one file per resource, namespaced to default, and deletes exactly those", async () => {
    const src = join(dir, "in.yaml");
    writeFileSync(src, GATEWAY);
    const resources = await loadValidated([src]);
    assert.equal(resourceFileName(resources[0] as never), "default.gateway.gw.yaml");
    const cfg = join(dir, "config");
    writeResources(cfg, resources);
    assert.deepEqual(readdirSync(cfg), ["default.gateway.gw.yaml"]);
    const back = await readConfigDir(cfg);
    assert.equal(back[0]?.metadata.namespace, "default");
    assert.deepEqual(removeResources(cfg, resources), { removed: ["default.gateway.gw.yaml"], missing: [] });
    assert.deepEqual(removeResources(cfg, resources), { removed: [], missing: ["default.gateway.gw.yaml"] });
  });

  it("maps the gateway's server port 80 to the ingress port (NONE mode) and leaves the rest", async () => {
    const src = join(dir, "gw.yaml");
    writeFileSync(src, GATEWAY);
    const [gw] = await loadValidated([src]);
    assert.ok(gw);
    const mapped = mapGatewayPorts(gw, 18080) as unknown as { spec: { servers: { port: { number: number } }[] } };
    assert.deepEqual(mapped.spec.servers.map((s) => s.port.number), [18080, 443]);
    assert.deepEqual((gw as unknown as { spec: { servers: { port: { number: number } }[] } }).spec.servers.map((s) => s.port.number), [80, 443], "the input is not changed");
  });

  it("reports every problem of the input at once, by file and field", async () => {
    const src = join(dir, "bad.yaml");
    writeFileSync(src, `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: r }
spec:
  hosts: [r]
  http:
  - timeout: soon
    route: [{ destination: { host: r } }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: d }
spec:
  selector: { matchLabels: { app: d } }
  template:
    metadata: { labels: { app: d } }
    spec:
      containers: [{ name: c, image: x }]
`);
    await assert.rejects(loadValidated([src]), (e: unknown) => {
      assert.ok(isMizzenError(e));
      assert.equal(e.code, "MIZZEN_ERR_MANIFEST");
      assert.match(e.message, /bad\.yaml:7: VirtualService default\/r: spec\.http\[0\]\.timeout/);
      assert.match(e.message, /Deployment default\/d .*container "c" has no command/);
      return true;
    });
  });
});
