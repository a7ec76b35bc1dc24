import { test } from "node:test";
import assert from "node:assert/strict";
import { compileNetworkExtAuthz } from "./network-ext-authz-config.js";

const GRPC = { envoy_grpc: { cluster_name: "outbound|9000||ext-authz.foo.svc.cluster.local" }, timeout: "0.5s" };

test("compiles Istio's TCP ext_authz: target from the outbound cluster name, timeout, failure mode, gate, stat prefix", () => {
  const c = compileNetworkExtAuthz({
    stat_prefix: "tcp.", grpc_service: GRPC, failure_mode_allow: true, include_tls_session: true,
    filter_enabled_metadata: { filter: "envoy.filters.network.rbac", path: [{ key: "istio_ext_authz_shadow_effective_policy_id" }], value: { string_match: { prefix: "istio-ext-authz" } } },
  }, "typed_config");
  assert.equal(c.statPrefix, "tcp");
  assert.equal(c.includeTlsSession, true);
  assert.equal(c.target, "ext-authz.foo.svc.cluster.local:9000");
  assert.equal(c.timeoutMs, 500);
  assert.equal(c.failureModeAllow, true);
  assert.equal(c.enabledMetadata?.filter, "envoy.filters.network.rbac");
  const plain = compileNetworkExtAuthz({ stat_prefix: "tcp", grpc_service: { google_grpc: { target_uri: "127.0.0.1:9001" } } }, "typed_config");
  assert.deepEqual([plain.target, plain.timeoutMs, plain.failureModeAllow, plain.enabledMetadata], ["127.0.0.1:9001", 200, false, null]);
});

test("rejects what the network filter cannot be: no stat_prefix, no or an empty grpc_service, a non-mesh cluster name (errors name the field)", () => {
  assert.throws(() => compileNetworkExtAuthz({ grpc_service: GRPC }, "typed_config"), (e: Error & { code?: string }) => e.code === "MIZZEN_ERR_XDS_INVALID" && /typed_config\.stat_prefix/.test(e.message));
  assert.throws(() => compileNetworkExtAuthz({ stat_prefix: "tcp." }, "typed_config"), /typed_config\.grpc_service.*gRPC only/);
  assert.throws(() => compileNetworkExtAuthz({ stat_prefix: "tcp.", grpc_service: {} }, "typed_config"), /needs envoy_grpc or google_grpc/);
  assert.throws(() => compileNetworkExtAuthz({ stat_prefix: "tcp.", grpc_service: { envoy_grpc: { cluster_name: "not-a-mesh-cluster" } } }, "typed_config"), /cluster_name/);
});
