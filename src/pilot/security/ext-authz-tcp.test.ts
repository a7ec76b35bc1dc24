// CUSTOM AuthorizationPolicy on TCP chains, as Istio generates it: a network RBAC whose DENY
// shadow engine selects connections, then envoy.filters.network.ext_authz gated on that verdict
// (gRPC providers only); an envoyExtAuthzHttp provider is skipped on TCP with a warning.
import { test } from "node:test";
import assert from "node:assert/strict";
import { authorizationFilters } from "./authorization-filters.js";
import { NETWORK_EXT_AUTHZ_TYPE } from "./ext-authz-config.js";
import { assertValidEnvoy, policy } from "./testing/authz-harness.js";
import type { SecurityWorkload } from "./policy-selection.js";

const ROOT = "istio-system";
const tcpEcho: SecurityWorkload = { namespace: "foo", labels: { app: "tcp-echo" } };
const PROVIDERS = [
  { name: "http-authz", envoyExtAuthzHttp: { service: "ext-authz.foo.svc.cluster.local", port: 8000 } },
  { name: "grpc-authz", envoyExtAuthzGrpc: { service: "foo/ext-authz.foo.svc.cluster.local", port: 9000, failOpen: true, timeout: "2s" } },
];

function custom(provider: string): ReturnType<typeof policy> {
  return policy("foo", "tcp-custom", { selector: { matchLabels: { app: "tcp-echo" } }, action: "CUSTOM", provider: { name: provider }, rules: [{ to: [{ operation: { ports: ["9000"] } }] }] });
}

test("gRPC provider: network rbac (DENY shadow, istio_ext_authz_ prefix) then network ext_authz gated on its shadow policy id", () => {
  const out = authorizationFilters(tcpEcho, [custom("grpc-authz")], { rootNamespace: ROOT, extensionProviders: PROVIDERS });
  assert.deepEqual(out.tcp.map((f) => f["name"]), ["envoy.filters.network.rbac", "envoy.filters.network.ext_authz"]);
  for (const f of out.tcp) assertValidEnvoy(f);
  const rbac = out.tcp[0]?.["typed_config"] as Record<string, unknown>;
  assert.equal(rbac["shadow_rules_stat_prefix"], "istio_ext_authz_");
  assert.equal(rbac["stat_prefix"], "tcp.");
  const shadow = rbac["shadow_rules"] as { action: string; policies: Record<string, unknown> };
  assert.equal(shadow.action, "DENY");
  assert.deepEqual(Object.keys(shadow.policies), ["istio-ext-authz-ns[foo]-policy[tcp-custom]-rule[0]"]);
  assert.equal(rbac["rules"], undefined, "the selecting engine never denies by itself");
  assert.deepEqual(out.tcp[1]?.["typed_config"], {
    "@type": NETWORK_EXT_AUTHZ_TYPE,
    stat_prefix: "tcp.",
    grpc_service: { envoy_grpc: { cluster_name: "outbound|9000||ext-authz.foo.svc.cluster.local" }, timeout: "2s" },
    failure_mode_allow: true,
    transport_api_version: "V3",
    filter_enabled_metadata: {
      filter: "envoy.filters.network.rbac",
      path: [{ key: "istio_ext_authz_shadow_effective_policy_id" }],
      value: { string_match: { prefix: "istio-ext-authz" } },
    },
  });
  assert.deepEqual(out.warnings, []);
  // The HTTP chains keep the HTTP filter pair.
  assert.deepEqual(out.http.map((f) => f["name"]), ["envoy.filters.http.rbac", "envoy.filters.http.ext_authz"]);
});

test("HTTP provider: TCP chains skip the policy (Istio logs and skips it) with a note, not a warning; HTTP chains still get ext_authz", () => {
  const out = authorizationFilters(tcpEcho, [custom("http-authz")], { rootNamespace: ROOT, extensionProviders: PROVIDERS });
  assert.deepEqual(out.tcp, []);
  assert.deepEqual(out.http.map((f) => f["name"]), ["envoy.filters.http.rbac", "envoy.filters.http.ext_authz"]);
  assert.deepEqual(out.warnings, []);
  assert.equal(out.notes.length, 1);
  assert.match(out.notes[0] ?? "", /AuthorizationPolicy foo\/tcp-custom: ext_authz provider "http-authz" is envoyExtAuthzHttp, which cannot check TCP connections/);
});

test("an unknown provider still fails closed on TCP: its rules deny", () => {
  const out = authorizationFilters(tcpEcho, [custom("missing")], { rootNamespace: ROOT, extensionProviders: PROVIDERS });
  assert.deepEqual(out.tcp.map((f) => f["name"]), ["envoy.filters.network.rbac"]);
  assert.equal(((out.tcp[0]?.["typed_config"] as Record<string, unknown>)["rules"] as { action: string }).action, "DENY");
});
