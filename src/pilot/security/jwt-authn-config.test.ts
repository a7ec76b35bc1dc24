import { test } from "node:test";
import assert from "node:assert/strict";
import type { RequestAuthentication, JwtRule } from "../../config/kinds/security/request-authentication.js";
import { jwtAuthnFilter } from "./jwt-authn-config.js";
import { assertValidEnvoy } from "./testing/authz-harness.js";

function ra(ns: string, name: string, rules: JwtRule[], selector?: Record<string, string>): RequestAuthentication {
  return { apiVersion: "security.istio.io/v1", kind: "RequestAuthentication", metadata: { name, namespace: ns }, spec: { ...(selector ? { selector: { matchLabels: selector } } : {}), jwtRules: rules } };
}

const w = { namespace: "foo", labels: { app: "httpbin" } };

test("no applicable RequestAuthentication: no filter", () => {
  assert.equal(jwtAuthnFilter(w, [ra("bar", "x", [{ issuer: "i", jwks: "{\"keys\":[]}" }])], "istio-system"), null);
});

test("rules from all applicable policies merge (ordered by namespace/name) into providers, any-of with allow_missing, as Istio generates", () => {
  const f = jwtAuthnFilter(w, [
    ra("istio-system", "mesh", [{ issuer: "mesh-iss", jwksUri: "https://idp.example.com:8443/jwks" }]),
    ra("foo", "ns", [{ issuer: "testing@secure.istio.io", jwks: "{\"keys\":[]}", audiences: ["a"], fromHeaders: [{ name: "x-jwt-assertion", prefix: "Bearer " }], fromParams: ["t"], forwardOriginalToken: true, outputPayloadToHeader: "x-payload", outputClaimToHeaders: [{ header: "x-sub", claim: "sub" }] }], { app: "httpbin" }),
  ], "istio-system");
  assert.ok(f);
  assertValidEnvoy(f);
  const tc = f["typed_config"] as Record<string, unknown>;
  assert.deepEqual(tc["rules"], [{ match: { prefix: "/" }, requires: { requires_any: { requirements: [{ provider_name: "origins-0" }, { provider_name: "origins-1" }, { allow_missing: {} }] } } }]);
  const providers = tc["providers"] as Record<string, Record<string, unknown>>;
  assert.deepEqual(providers["origins-1"], { issuer: "mesh-iss", payload_in_metadata: "mesh-iss",
    remote_jwks: { http_uri: { uri: "https://idp.example.com:8443/jwks", cluster: "outbound|8443||idp.example.com", timeout: "5s" }, cache_duration: "1200s", async_fetch: {} } });
  assert.deepEqual(providers["origins-0"], { issuer: "testing@secure.istio.io", local_jwks: { inline_string: "{\"keys\":[]}" }, payload_in_metadata: "testing@secure.istio.io",
    audiences: ["a"], forward: true, from_headers: [{ name: "x-jwt-assertion", value_prefix: "Bearer " }], from_params: ["t"], forward_payload_header: "x-payload",
    claim_to_headers: [{ header_name: "x-sub", claim_name: "sub" }] });
});

test("every rule REQUIRED: a missing token fails (no allow_missing)", () => {
  const f = jwtAuthnFilter(w, [ra("foo", "r", [{ issuer: "i", jwks: "{\"keys\":[]}", presence: "REQUIRED" }])], "istio-system");
  assert.ok(f);
  assertValidEnvoy(f);
  assert.deepEqual(((f["typed_config"] as Record<string, unknown>)["rules"] as unknown[])[0], { match: { prefix: "/" }, requires: { provider_name: "origins-0" } });
});
