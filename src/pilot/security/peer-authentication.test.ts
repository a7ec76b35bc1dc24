import { test } from "node:test";
import assert from "node:assert/strict";
import { effectiveMtlsMode } from "./peer-authentication.js";
import type { PeerAuthentication } from "../../config/kinds/security/peer-authentication.js";

function pa(ns: string, name: string, spec: PeerAuthentication["spec"], created = "2024-01-01T00:00:00Z"): PeerAuthentication {
  return { apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", metadata: { name, namespace: ns, creationTimestamp: created }, spec };
}

const ROOT = "istio-system";
const w = { namespace: "foo", labels: { app: "httpbin" } };

test("no policy: PERMISSIVE", () => {
  assert.equal(effectiveMtlsMode(w, 8080, [], ROOT), "PERMISSIVE");
});

test("mesh STRICT, namespace overrides, workload overrides, port level overrides; UNSET inherits", () => {
  const mesh = pa(ROOT, "default", { mtls: { mode: "STRICT" } });
  assert.equal(effectiveMtlsMode(w, 8080, [mesh], ROOT), "STRICT");
  const nsPol = pa("foo", "default", { mtls: { mode: "PERMISSIVE" } });
  assert.equal(effectiveMtlsMode(w, 8080, [mesh, nsPol], ROOT), "PERMISSIVE");
  assert.equal(effectiveMtlsMode({ namespace: "bar", labels: {} }, 8080, [mesh, nsPol], ROOT), "STRICT");
  const wl = pa("foo", "httpbin", { selector: { matchLabels: { app: "httpbin" } }, mtls: { mode: "UNSET" }, portLevelMtls: { "8080": { mode: "DISABLE" }, "9000": { mode: "UNSET" } } });
  assert.equal(effectiveMtlsMode(w, 8080, [mesh, nsPol, wl], ROOT), "DISABLE");
  assert.equal(effectiveMtlsMode(w, 9000, [mesh, nsPol, wl], ROOT), "PERMISSIVE", "UNSET port and workload inherit the namespace");
  assert.equal(effectiveMtlsMode({ namespace: "foo", labels: { app: "other" } }, 8080, [mesh, wl], ROOT), "STRICT");
});

test("the oldest of several namespace policies wins; a root-namespace selector policy is not mesh-wide", () => {
  const newer = pa("foo", "a", { mtls: { mode: "DISABLE" } }, "2024-02-01T00:00:00Z");
  const older = pa("foo", "b", { mtls: { mode: "STRICT" } }, "2024-01-01T00:00:00Z");
  assert.equal(effectiveMtlsMode(w, 80, [newer, older], ROOT), "STRICT");
  const rootSel = pa(ROOT, "sel", { selector: { matchLabels: { app: "httpbin" } }, mtls: { mode: "STRICT" } });
  assert.equal(effectiveMtlsMode(w, 80, [rootSel], ROOT), "PERMISSIVE");
});
