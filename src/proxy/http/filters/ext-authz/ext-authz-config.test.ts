import { test } from "node:test";
import assert from "node:assert/strict";
import { isMizzenError } from "../../../../errors.js";
import { compileExtAuthz, headerAllowed } from "./ext-authz-config.js";

test("HTTP service: target, prefix, header patterns, defaults (403 on error, fail closed)", () => {
  const c = compileExtAuthz({
    http_service: { server_uri: { uri: "http://authz.foo:8000", cluster: "outbound|8000||authz.foo", timeout: "0.5s" }, path_prefix: "/check",
      authorization_request: { allowed_headers: { patterns: [{ exact: "x-ext-authz", ignore_case: true }] } },
      authorization_response: { allowed_upstream_headers: { patterns: [{ prefix: "x-auth-" }] } } },
  }, "typed_config");
  assert.equal(c.kind, "http");
  assert.equal(c.target, "http://authz.foo:8000");
  assert.equal(c.timeoutMs, 500);
  assert.equal(c.pathPrefix, "/check");
  assert.equal(headerAllowed(c.allowedHeaders, "X-Ext-Authz"), true);
  assert.equal(headerAllowed(c.allowedUpstream, "x-auth-user"), true);
  assert.equal(headerAllowed(c.allowedUpstream, "cookie"), false);
  assert.equal(c.allowedClient, null);
  assert.equal(c.statusOnError, 403);
  assert.equal(c.failureModeAllow, false);
});

test("gRPC service: an Istio outbound cluster name or a google_grpc target", () => {
  assert.equal(compileExtAuthz({ grpc_service: { envoy_grpc: { cluster_name: "outbound|9000||authz.foo.svc.cluster.local" } } }, "t").target, "authz.foo.svc.cluster.local:9000");
  assert.equal(compileExtAuthz({ grpc_service: { google_grpc: { target_uri: "127.0.0.1:9" } }, failure_mode_allow: true, status_on_error: { code: 503 } }, "t").statusOnError, 503);
  assert.throws(() => compileExtAuthz({ grpc_service: { envoy_grpc: { cluster_name: "authz" } } }, "t"), (e) => isMizzenError(e) && /cluster_name/.test(e.message));
  assert.throws(() => compileExtAuthz({}, "t"), (e) => isMizzenError(e) && /needs http_service or grpc_service/.test(e.message));
});
