import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeText } from "../config/decode/index.js";
import { ConfigStore } from "../config/store/index.js";
import type { Deployment } from "../config/kinds/core/index.js";
import { Registry } from "./registry.js";
import { workloadsFromDeployment } from "./workloads.js";
import { parseExportTo } from "./export-to.js";

function store(yaml: string): ConfigStore {
  const s = new ConfigStore();
  const d = decodeText(yaml, "t.yaml");
  assert.deepEqual(d.diagnostics.filter((x) => x.severity === "error"), []);
  for (const r of d.resources) s.apply(r);
  return s;
}

const APP = `apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec:
  selector: { app: web }
  ports:
  - { name: http, port: 80, targetPort: web-port }
  - { name: tcp-admin, port: 9000, targetPort: 9001 }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web, version: v1, topology.kubernetes.io/region: eu, topology.kubernetes.io/zone: eu-1 } }
    spec:
      serviceAccountName: web-sa
      containers: [{ name: web, image: web, ports: [{ name: web-port, containerPort: 8080 }] }]
`;

test("live workloads from a Deployment's replicas become endpoints with targetPort resolved by container port name", () => {
  const s = store(APP);
  const reg = new Registry(s);
  const events: string[] = [];
  reg.subscribe((e) => events.push(e.key));
  const deployment = s.get("Deployment", "shop", "web") as unknown as Deployment;
  for (const w of workloadsFromDeployment(deployment, ["10.5.0.1", "10.5.0.2", "10.5.0.3"])) reg.upsertWorkload(w);
  const snap = reg.snapshot();
  const svc = snap.service("web.shop.svc.cluster.local");
  assert.match(svc?.address ?? "", /^10\.96\.\d+\.\d+$/, "a VIP is allocated when the Service has no clusterIP");
  assert.deepEqual(snap.endpoints("web.shop.svc.cluster.local", 80).map((e) => `${e.address}:${e.port}`), ["10.5.0.1:8080", "10.5.0.2:8080"]);
  assert.deepEqual(snap.endpoints("web.shop.svc.cluster.local", 9000).map((e) => e.port), [9001, 9001]);
  const ep = snap.endpoints("web.shop.svc.cluster.local", 80)[0];
  assert.equal(ep?.serviceAccount, "web-sa");
  assert.equal(ep?.locality, "eu/eu-1/");
  assert.deepEqual(events, ["shop/web-0", "shop/web-1"]);
  assert.equal(reg.removeWorkload("shop", "web-0"), true);
  assert.equal(reg.removeWorkload("shop", "web-0"), false);
  const after = reg.snapshot();
  assert.deepEqual(after.endpoints("web.shop.svc.cluster.local", 80).map((e) => e.address), ["10.5.0.2"]);
  assert.equal(after.service("web.shop.svc.cluster.local")?.address, svc?.address, "the VIP stays with the service");
  assert.equal(after.workloadByAddress("10.5.0.2")?.name, "web-1");
  assert.deepEqual(after.servicesOf(after.workloadByAddress("10.5.0.2")!).map((x) => x.hostname), ["web.shop.svc.cluster.local"]);
});

test("ServiceEntry workloadSelector picks WorkloadEntries and pods of its namespace; exportTo is kept", () => {
  const s = store(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: vm-db, namespace: data }
spec:
  hosts: [db.data.internal]
  location: MESH_INTERNAL
  ports: [{ number: 5432, name: tcp-pg, protocol: TCP }]
  resolution: STATIC
  workloadSelector: { labels: { app: db } }
  exportTo: [".", "apps"]
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: db-vm-1, namespace: data }
spec: { address: 192.168.7.10, labels: { app: db }, serviceAccount: db, ports: { tcp-pg: 15432 }, locality: us/east }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: other-vm, namespace: data }
spec: { address: 192.168.7.11, labels: { app: other } }
`);
  const snap = new Registry(s).snapshot();
  const svc = snap.service("db.data.internal");
  assert.equal(svc?.location, "MESH_INTERNAL");
  assert.equal(svc?.resolution, "CLIENT_SIDE_LB");
  assert.match(svc?.address ?? "", /^240\.240\./);
  assert.deepEqual(svc?.exportTo, new Set(["data", "apps"]));
  const eps = snap.endpoints("db.data.internal", 5432);
  assert.deepEqual(eps.map((e) => [e.address, e.port, e.locality, e.serviceAccount]), [["192.168.7.10", 15432, "us/east", "db"]]);
});

test("explicit clusterIPs are never handed out to other services, and headless services get no VIP", () => {
  const s = store(`apiVersion: v1
kind: Service
metadata: { name: a, namespace: x }
spec: { clusterIP: 10.96.0.1, ports: [{ name: http, port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: b, namespace: x }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: c, namespace: x }
spec: { clusterIP: None, ports: [{ name: http, port: 80 }] }
`);
  const snap = new Registry(s).snapshot();
  assert.equal(snap.service("a.x.svc.cluster.local")?.address, "10.96.0.1");
  assert.equal(snap.service("b.x.svc.cluster.local")?.address, "10.96.0.2");
  assert.equal(snap.service("c.x.svc.cluster.local")?.address, undefined);
  assert.equal(snap.service("c.x.svc.cluster.local")?.resolution, "PASSTHROUGH");
});

test("a Pod from the store is a workload once it has an address; readiness from its Ready condition", () => {
  const s = store(`apiVersion: v1
kind: Pod
metadata: { name: p1, namespace: x, labels: { app: p } }
spec: { containers: [{ name: c, image: c }] }
status: { podIP: 10.9.0.1, conditions: [{ type: Ready, status: "False" }] }
---
apiVersion: v1
kind: Pod
metadata: { name: p2, namespace: x, labels: { app: p } }
spec: { containers: [{ name: c, image: c }] }
`);
  const snap = new Registry(s).snapshot();
  assert.deepEqual(snap.workloads.map((w) => [w.name, w.ready]), [["p1", false]]);
});

test("exportTo values", () => {
  assert.equal(parseExportTo(undefined, "a"), "*");
  assert.equal(parseExportTo(["*"], "a"), "*");
  assert.deepEqual(parseExportTo([".", "b"], "a"), new Set(["a", "b"]));
  assert.deepEqual(parseExportTo(["~"], "a"), new Set());
});

test("a live workload replaces the stored Pod of the same name; a failing listener does not stop others", () => {
  const s = store(`apiVersion: v1
kind: Pod
metadata: { name: p, namespace: x, labels: { app: p } }
spec: { containers: [{ name: c, image: c }] }
status: { podIP: 10.9.0.1 }
`);
  const reg = new Registry(s);
  const seen: string[] = [];
  reg.subscribe(() => {
    throw new Error("listener failure");
  });
  const stop = reg.subscribe((e) => seen.push(e.key));
  reg.upsertWorkload({ name: "p", namespace: "x", address: "10.9.0.2", labels: { app: "p2" } });
  assert.deepEqual(reg.snapshot().workloads.map((w) => [w.name, w.address, w.labels["app"]]), [["p", "10.9.0.2", "p2"]]);
  stop();
  reg.removeWorkload("x", "p");
  assert.deepEqual(seen, ["x/p"]);
  assert.deepEqual(reg.snapshot().workloads.map((w) => w.address), ["10.9.0.1"], "the stored Pod is back once the live one is gone");
});

test("a live workload joining a WorkloadGroup takes the template's labels, ports and service account", () => {
  const s = store(`apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: { name: vm-api, namespace: vms }
spec:
  metadata: { labels: { app: vm-api } }
  template: { serviceAccount: vm-api-sa, ports: { http: 8080 }, labels: { tier: backend } }
---
apiVersion: v1
kind: Service
metadata: { name: vm-api, namespace: vms }
spec:
  clusterIP: 10.96.9.9
  selector: { app: vm-api }
  ports: [{ name: http, port: 80, targetPort: http }]
`);
  const reg = new Registry(s);
  reg.upsertWorkload({ name: "vm-1", namespace: "vms", address: "192.168.50.1", group: "vm-api", labels: { zone: "a" } });
  const snap = reg.snapshot();
  const w = snap.workload("vms", "vm-1");
  assert.deepEqual(w?.labels, { app: "vm-api", tier: "backend", zone: "a" });
  assert.equal(w?.serviceAccount, "vm-api-sa");
  assert.equal(w?.kind, "WorkloadEntry");
  assert.deepEqual(snap.endpoints("vm-api.vms.svc.cluster.local", 80).map((e) => `${e.address}:${e.port}`), ["192.168.50.1:8080"]);
});
