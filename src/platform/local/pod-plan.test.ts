import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeText } from "../../config/decode/index.js";
import type { Deployment } from "../../config/kinds/core/index.js";
import { AddressPool } from "./address-pool.js";
import { planDeployment } from "./pod-plan.js";

const YAML = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: reviews-v2, namespace: shop }
spec:
  replicas: 3
  selector: { matchLabels: { app: reviews, version: v2 } }
  template:
    metadata: { labels: { app: reviews, version: v2 } }
    spec:
      serviceAccountName: bookinfo-reviews
      containers:
      - name: reviews
        command: ["node", "reviews.mjs"]
        args: ["--verbose"]
        env: [{ name: SERVICE_VERSION, value: v2 }]
        ports: [{ containerPort: 9080, name: http }]
`;

function deployment(text: string): Deployment {
  const { resources, diagnostics } = decodeText(text, "test.yaml");
  assert.deepEqual(diagnostics.filter((d) => d.severity === "error"), []);
  return resources[0] as Deployment;
}

describe("pod plans from Deployments", () => {
  it("names replicas <deployment>-<template hash>-<suffix> with the template's labels, account and containers", () => {
    const pods = planDeployment(deployment(YAML));
    assert.equal(pods.length, 3);
    const hash = pods[0]?.labels["pod-template-hash"] ?? "";
    assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
    for (const p of pods) {
      assert.match(p.name, new RegExp(`^reviews-v2-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      assert.equal(p.namespace, "shop");
      assert.equal(p.labels["app"], "reviews");
      assert.equal(p.serviceAccount, "bookinfo-reviews");
      assert.deepEqual(p.containers[0]?.argv, ["node", "reviews.mjs", "--verbose"]);
      assert.deepEqual(p.containers[0]?.env, { SERVICE_VERSION: "v2" });
      assert.deepEqual(p.containers[0]?.ports, [{ containerPort: 9080, name: "http" }]);
    }
    assert.equal(new Set(pods.map((p) => p.name)).size, 3);
    assert.equal(planDeployment(deployment(YAML))[0]?.labels["pod-template-hash"], hash, "the hash depends on the template only");
  });

  it("refuses a container without a command, naming the deployment", () => {
    const d = deployment(YAML.replace('command: ["node", "reviews.mjs"]', "image: x"));
    assert.throws(() => planDeployment(d), (e: { code?: string; message?: string }) => e.code === "MIZZEN_ERR_POD_COMMAND" && /shop\/reviews-v2/.test(e.message ?? ""));
  });
});

describe("pod address pools", () => {
  it("hands out REDIRECT addresses after the gateway and reuses released ones", () => {
    const pool = AddressPool.redirect(0);
    assert.deepEqual(pool.allocate(), { ip: "198.18.0.2", appAddress: "198.18.0.2" });
    const b = pool.allocate();
    assert.equal(b.ip, "198.18.0.3");
    pool.release(b.ip);
    assert.equal(pool.allocate().ip, "198.18.0.3");
  });
  it("gives NONE pods a loopback address and the app its own, and says when it runs out", () => {
    const pool = AddressPool.loopback();
    assert.deepEqual(pool.allocate(), { ip: "127.18.0.2", appAddress: "127.19.0.2" });
    const tiny = new AddressPool("10.0.0.254", "10.0.1.1");
    assert.equal(tiny.allocate().ip, "10.0.0.254");
    assert.equal(tiny.allocate().ip, "10.0.1.1");
    assert.throws(() => tiny.allocate(), { code: "MIZZEN_ERR_ADDRESSES_EXHAUSTED" });
  });
  it("gives one NONE mesh its own loopback /24", () => {
    assert.deepEqual(AddressPool.loopbackSubnet(7).allocate(), { ip: "127.18.7.2", appAddress: "127.19.7.2" });
    assert.throws(() => AddressPool.loopbackSubnet(256), { code: "MIZZEN_ERR_ADDRESSES" });
  });
});
