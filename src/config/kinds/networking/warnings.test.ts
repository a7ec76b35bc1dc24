// Deprecated and questionable-but-accepted settings: the resource decodes, with a warning at the field.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeText } from "../../decode/index.js";
import { ErrorCode } from "../../diagnostic.js";

function warnings(text: string): { path: string | undefined; code: string; message: string }[] {
  const r = decodeText(text, "w.yaml");
  assert.equal(r.resources.length, 1, JSON.stringify(r.diagnostics));
  assert.ok(r.diagnostics.every((d) => d.severity === "warning"));
  return r.diagnostics.map((d) => ({ path: d.path, code: d.code, message: d.message }));
}

const vs = (http: string, extra = ""): string =>
  `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n  hosts: [r.example.com]\n${extra}  http:\n${http}`;

test("VirtualService deprecated fields warn: allowOrigin, mirrorPercent, delay.percent", () => {
  const w = warnings(
    vs(`  - corsPolicy: {allowOrigin: ["*"]}
    mirror: {host: r2}
    mirrorPercent: 5
    fault:
      delay: {percent: 10, fixedDelay: 1s}
    route:
    - destination: {host: r}
`),
  );
  assert.deepEqual(
    w.map((x) => [x.path, x.code]),
    [
      ["spec.http[0].corsPolicy.allowOrigin", ErrorCode.Deprecated],
      ["spec.http[0].mirrorPercent", ErrorCode.Deprecated],
      ["spec.http[0].fault.delay.percent", ErrorCode.Deprecated],
    ],
  );
});

test("legacy gateway reference format warns and suggests namespace/name", () => {
  const w = warnings(vs("  - route:\n    - destination: {host: r}\n", "  gateways: [my-gw.istio-system]\n"));
  assert.equal(w[0]?.path, "spec.gateways[0]");
  assert.match(w[0]?.message ?? "", /istio-system\/my-gw/);
  assert.equal(w[0]?.code, ErrorCode.Warning);
});

test("DestinationRule LEAST_CONN and minimumRingSize are deprecated", () => {
  const w = warnings(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: d}
spec:
  host: d
  subsets:
  - name: a
    trafficPolicy:
      loadBalancer: {simple: LEAST_CONN}
  - name: b
    trafficPolicy:
      loadBalancer:
        consistentHash: {useSourceIp: true, minimumRingSize: 1024}
`);
  assert.deepEqual(
    w.map((x) => x.path),
    ["spec.subsets[0].trafficPolicy.loadBalancer.simple", "spec.subsets[1].trafficPolicy.loadBalancer.consistentHash.minimumRingSize"],
  );
});

test("ServiceEntry TCP port without addresses, and Sidecar selector without labels, warn", () => {
  const se = warnings(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db}
spec:
  hosts: [db.example.com]
  ports: [{number: 5432, name: tcp-pg, protocol: TCP}]
  resolution: DNS
`);
  assert.equal(se[0]?.path, "spec.ports[0].protocol");
  const sc = warnings(`apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: s}
spec:
  workloadSelector: {}
  egress: [{hosts: ["./*"]}]
`);
  assert.equal(sc[0]?.path, "spec.workloadSelector");
});

test("Gateway httpsRedirect on a non-HTTP server warns", () => {
  const w = warnings(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [a.example.com]
    tls: {mode: SIMPLE, credentialName: c, httpsRedirect: true}
`);
  assert.equal(w[0]?.path, "spec.servers[0].tls.httpsRedirect");
});
