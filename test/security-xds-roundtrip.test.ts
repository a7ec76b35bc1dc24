// The translated security filters survive the xDS wire (Envoy JSON → protobuf bytes → Envoy JSON,
// as the proxy receives them) and still decide the same: enum defaults, wrappers and Empty
// messages come back in their decoded form.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeEnvoyJson, anyToEnvoyJson } from "../src/api/envoy/index.js";
import { inboundSecurityHttpFilters } from "../src/pilot/security/index.js";
import { decide, policy, simRequest } from "../src/pilot/security/testing/authz-harness.js";
import { httpFilterFactory } from "../src/proxy/http/filters/http-filter.js";
import "../src/proxy/http/filters/builtin.js";
import type { RequestAuthentication } from "../src/config/kinds/security/request-authentication.js";

type Json = Record<string, unknown>;

function overTheWire(filter: Json): Json {
  const tc = filter["typed_config"] as Json;
  const { "@type": type, ...rest } = tc;
  const url = String(type);
  const bytes = encodeEnvoyJson(url.slice("type.googleapis.com/".length), rest);
  return { ...filter, typed_config: anyToEnvoyJson(url, bytes) };
}

test("RBAC, ext_authz and jwt_authn configs decode after the wire and build the proxy's filters", () => {
  const w = { namespace: "foo", labels: { app: "httpbin" } };
  const policies = [
    policy("foo", "ext", { action: "CUSTOM", provider: { name: "authz" }, rules: [{ to: [{ operation: { paths: ["/headers"] } }] }] }),
    policy("foo", "deny", { action: "DENY", rules: [{ from: [{ source: { ipBlocks: ["10.9.0.0/16"] } }], to: [{ operation: { methods: ["DELETE"], ports: ["8000"] } }] }] }),
    policy("foo", "allow", { action: "ALLOW", rules: [{ from: [{ source: { requestPrincipals: ["*"] } }] }, { to: [{ operation: { paths: ["/public/*"] } }] }] }),
  ];
  const authn: RequestAuthentication = { apiVersion: "security.istio.io/v1", kind: "RequestAuthentication", metadata: { name: "j", namespace: "foo" },
    spec: { jwtRules: [{ issuer: "iss", jwksUri: "http://127.0.0.1:1/jwks", fromHeaders: [{ name: "x-jwt", prefix: "Bearer " }], outputClaimToHeaders: [{ header: "x-sub", claim: "sub" }] }] } };
  const out = inboundSecurityHttpFilters(w, policies, [authn], { rootNamespace: "istio-system", extensionProviders: [{ name: "authz", envoyExtAuthzGrpc: { service: "authz.foo.svc.cluster.local", port: 9000 } }] });
  const wire = out.http.map(overTheWire);
  assert.equal(wire.length, 5);
  for (const [i, f] of wire.entries()) {
    const tc = f["typed_config"] as Json;
    const factory = httpFilterFactory(String(tc["@type"]));
    assert.ok(factory, String(tc["@type"]));
    assert.ok(factory.create(String(f["name"]), tc, `http_filters[${i}]`));
  }
  const rbacOnly = wire.slice(1);
  const principal = { "request.auth.principal": "iss/u" };
  assert.equal(decide(rbacOnly, simRequest({ path: "/public/a" })), "allowed");
  assert.equal(decide(rbacOnly, simRequest({ path: "/private" })), "denied");
  assert.equal(decide(rbacOnly, simRequest({ path: "/private", authn: principal })), "allowed");
  assert.equal(decide(rbacOnly, simRequest({ path: "/private", authn: principal, method: "DELETE", destinationPort: 8000, sourceIp: "10.9.1.1" })), "denied");
  assert.equal(decide(rbacOnly, simRequest({ path: "/headers", authn: principal })), "ext_authz");
});
