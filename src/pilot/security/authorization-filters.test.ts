// Istio's authorization task examples, translated and then decided by the proxy's RBAC engine.
import { test } from "node:test";
import assert from "node:assert/strict";
import { authorizationFilters } from "./authorization-filters.js";
import { assertValidEnvoy, decide, policy, simRequest } from "./testing/authz-harness.js";
import type { SecurityWorkload } from "./policy-selection.js";

const ROOT = "istio-system";
const productpage: SecurityWorkload = { namespace: "default", labels: { app: "productpage" } };
const details: SecurityWorkload = { namespace: "default", labels: { app: "details" } };
const ratings: SecurityWorkload = { namespace: "default", labels: { app: "ratings" } };
const tcpEcho: SecurityWorkload = { namespace: "foo", labels: { app: "tcp-echo" } };
const httpbin: SecurityWorkload = { namespace: "foo", labels: { app: "httpbin" } };
const PP = "spiffe://cluster.local/ns/default/sa/bookinfo-productpage";
const REVIEWS = "spiffe://cluster.local/ns/default/sa/bookinfo-reviews";

function filtersFor(w: SecurityWorkload, policies: Parameters<typeof authorizationFilters>[1], tcp = false): Record<string, unknown>[] {
  const out = authorizationFilters(w, policies, { rootNamespace: ROOT, extensionProviders: [
    { name: "sample-ext-authz-http", envoyExtAuthzHttp: { service: "ext-authz.foo.svc.cluster.local", port: 8000, includeRequestHeadersInCheck: ["x-ext-authz"] } },
    { name: "sample-ext-authz-grpc", envoyExtAuthzGrpc: { service: "ext-authz.foo.svc.cluster.local", port: 9000 } },
  ] });
  const list = tcp ? out.tcp : out.http;
  for (const f of list) assertValidEnvoy(f);
  return list;
}

test("no policy: no RBAC filter, everything allowed", () => {
  assert.deepEqual(filtersFor(productpage, []), []);
});

test("allow-nothing in a namespace denies every request to its workloads, not to other namespaces", () => {
  const ps = [policy("default", "allow-nothing", {})];
  const f = filtersFor(productpage, ps);
  assert.equal(f.length, 1);
  assert.equal(decide(f, simRequest({ principal: PP })), "denied");
  assert.deepEqual(filtersFor(httpbin, ps), []);
});

test("productpage-viewer: GET allowed, POST denied", () => {
  const ps = [policy("default", "allow-nothing", {}),
    policy("default", "productpage-viewer", { selector: { matchLabels: { app: "productpage" } }, action: "ALLOW", rules: [{ to: [{ operation: { methods: ["GET"] } }] }] })];
  const f = filtersFor(productpage, ps);
  assert.equal(decide(f, simRequest({ method: "GET", path: "/productpage" })), "allowed");
  assert.equal(decide(f, simRequest({ method: "POST", path: "/productpage" })), "denied");
  // The selector keeps it off details, still under allow-nothing.
  assert.equal(decide(filtersFor(details, ps), simRequest({ method: "GET" })), "denied");
});

test("details-viewer and ratings-viewer: only the named service account may GET", () => {
  const ps = [policy("default", "allow-nothing", {}),
    policy("default", "details-viewer", { selector: { matchLabels: { app: "details" } }, rules: [{ from: [{ source: { principals: ["cluster.local/ns/default/sa/bookinfo-productpage"] } }], to: [{ operation: { methods: ["GET"] } }] }] }),
    policy("default", "ratings-viewer", { selector: { matchLabels: { app: "ratings" } }, rules: [{ from: [{ source: { principals: ["cluster.local/ns/default/sa/bookinfo-reviews"] } }], to: [{ operation: { methods: ["GET"] } }] }] })];
  const d = filtersFor(details, ps);
  assert.equal(decide(d, simRequest({ principal: PP })), "allowed");
  assert.equal(decide(d, simRequest({ principal: REVIEWS })), "denied");
  assert.equal(decide(d, simRequest({})), "denied", "plaintext caller has no principal");
  assert.equal(decide(d, simRequest({ principal: PP, method: "DELETE" })), "denied");
  const r = filtersFor(ratings, ps);
  assert.equal(decide(r, simRequest({ principal: REVIEWS })), "allowed");
  assert.equal(decide(r, simRequest({ principal: PP })), "denied");
});

test("root-namespace policy applies mesh-wide; namespaces and ipBlocks sources", () => {
  const ps = [policy(ROOT, "mesh", { rules: [{ from: [{ source: { namespaces: ["default"] } }, { source: { ipBlocks: ["192.168.0.0/16"] } }] }] })];
  const f = filtersFor(httpbin, ps);
  assert.equal(decide(f, simRequest({ principal: PP })), "allowed");
  assert.equal(decide(f, simRequest({ principal: "spiffe://cluster.local/ns/foo/sa/sleep" })), "denied");
  assert.equal(decide(f, simRequest({ sourceIp: "192.168.3.4" })), "allowed");
  assert.equal(decide(f, simRequest({ sourceIp: "::ffff:192.168.3.4" })), "allowed");
});

test("TCP traffic: ports allowed; an ALLOW rule with an HTTP-only field is dropped; DENY ignores HTTP fields", () => {
  const allowPorts = policy("foo", "tcp-policy", { selector: { matchLabels: { app: "tcp-echo" } }, action: "ALLOW", rules: [{ to: [{ operation: { ports: ["9000", "9001"] } }] }] });
  let f = filtersFor(tcpEcho, [allowPorts], true);
  assert.equal(decide(f, simRequest({ tcp: true, destinationPort: 9000 })), "allowed");
  assert.equal(decide(f, simRequest({ tcp: true, destinationPort: 9002 })), "denied");
  const withMethods = policy("foo", "tcp-policy", { selector: { matchLabels: { app: "tcp-echo" } }, action: "ALLOW", rules: [{ to: [{ operation: { methods: ["GET"], ports: ["9000"] } }] }] });
  f = filtersFor(tcpEcho, [withMethods], true);
  assert.equal(decide(f, simRequest({ tcp: true, destinationPort: 9000 })), "denied");
  const deny = policy("foo", "tcp-policy", { selector: { matchLabels: { app: "tcp-echo" } }, action: "DENY", rules: [{ to: [{ operation: { methods: ["GET"], ports: ["9000"] } }] }] });
  f = filtersFor(tcpEcho, [deny], true);
  assert.equal(decide(f, simRequest({ tcp: true, destinationPort: 9000 })), "denied");
  assert.equal(decide(f, simRequest({ tcp: true, destinationPort: 9001 })), "allowed");
});

test("JWT: require a request principal, then a group claim", () => {
  const requireJwt = policy("foo", "require-jwt", { selector: { matchLabels: { app: "httpbin" } }, action: "ALLOW",
    rules: [{ from: [{ source: { requestPrincipals: ["testing@secure.istio.io/testing@secure.istio.io"] } }] }] });
  let f = filtersFor(httpbin, [requireJwt]);
  const authn = { "request.auth.principal": "testing@secure.istio.io/testing@secure.istio.io", "request.auth.claims": { groups: ["group1", "group2"] } };
  assert.equal(decide(f, simRequest({ authn })), "allowed");
  assert.equal(decide(f, simRequest({})), "denied");
  const claims = policy("foo", "require-jwt", { selector: { matchLabels: { app: "httpbin" } }, action: "ALLOW",
    rules: [{ from: [{ source: { requestPrincipals: ["testing@secure.istio.io/testing@secure.istio.io"] } }], when: [{ key: "request.auth.claims[groups]", values: ["group1"] }] }] });
  f = filtersFor(httpbin, [claims]);
  assert.equal(decide(f, simRequest({ authn })), "allowed");
  assert.equal(decide(f, simRequest({ authn: { ...authn, "request.auth.claims": { groups: ["group3"] } } })), "denied");
  // Any request principal: "*".
  const any = policy("foo", "any-jwt", { rules: [{ from: [{ source: { requestPrincipals: ["*"] } }] }] });
  f = filtersFor(httpbin, [any]);
  assert.equal(decide(f, simRequest({ authn })), "allowed");
  assert.equal(decide(f, simRequest({})), "denied");
});

test("explicit deny: GET denied unless x-token is admin; ALLOW /ip alongside", () => {
  const denyGet = policy("foo", "deny-method-get", { selector: { matchLabels: { app: "httpbin" } }, action: "DENY",
    rules: [{ to: [{ operation: { methods: ["GET"] } }], when: [{ key: "request.headers[x-token]", notValues: ["admin"] }] }] });
  let f = filtersFor(httpbin, [denyGet]);
  assert.equal(decide(f, simRequest({ method: "GET", path: "/get" })), "denied");
  assert.equal(decide(f, simRequest({ method: "GET", path: "/get", headers: { "x-token": "admin" } })), "allowed");
  assert.equal(decide(f, simRequest({ method: "POST", path: "/post" })), "allowed");
  const allowIp = policy("foo", "allow-path-ip", { selector: { matchLabels: { app: "httpbin" } }, action: "ALLOW", rules: [{ to: [{ operation: { paths: ["/ip"] } }] }] });
  f = filtersFor(httpbin, [denyGet, allowIp]);
  assert.equal(decide(f, simRequest({ method: "GET", path: "/ip", headers: { "x-token": "admin" } })), "allowed");
  assert.equal(decide(f, simRequest({ method: "GET", path: "/headers", headers: { "x-token": "admin" } })), "denied");
  assert.equal(decide(f, simRequest({ method: "GET", path: "/ip", headers: { "x-token": "guest" } })), "denied");
});

test("paths: prefix, suffix, query ignored, {*} and {**} templates; hosts with and without port", () => {
  const p = policy("foo", "paths", { rules: [{ to: [{ operation: { paths: ["/api/*", "*.png", "/u/{*}/info", "/files/{**}"], hosts: ["httpbin.foo"] } }] }] });
  const f = filtersFor(httpbin, [p]);
  const at = (path: string, host = "httpbin.foo"): string => decide(f, simRequest({ path, host }));
  assert.equal(at("/api/x?y=1"), "allowed");
  assert.equal(at("/img/a.png"), "allowed");
  assert.equal(at("/u/42/info"), "allowed");
  assert.equal(at("/u/42/43/info"), "denied");
  assert.equal(at("/files/a/b/c"), "allowed");
  assert.equal(at("/other"), "denied");
  assert.equal(at("/api/x", "HTTPBIN.foo:8000"), "allowed");
  assert.equal(at("/api/x", "evil.foo"), "denied");
});

test("CUSTOM: requests the rule selects go to ext_authz; other requests do not", () => {
  const custom = policy("foo", "ext-authz", { selector: { matchLabels: { app: "httpbin" } }, action: "CUSTOM", provider: { name: "sample-ext-authz-grpc" }, rules: [{ to: [{ operation: { paths: ["/headers"] } }] }] });
  const f = filtersFor(httpbin, [custom]);
  assert.equal(f.length, 2);
  assert.equal(decide(f, simRequest({ path: "/headers" })), "ext_authz");
  assert.equal(decide(f, simRequest({ path: "/ip" })), "allowed");
  const tc = f[1]?.["typed_config"] as Record<string, unknown>;
  assert.deepEqual(tc["grpc_service"], { envoy_grpc: { cluster_name: "outbound|9000||ext-authz.foo.svc.cluster.local" }, timeout: "600s" });
});

test("CUSTOM with an unknown provider fails closed for the requests it selects", () => {
  const custom = policy("foo", "ext-authz", { action: "CUSTOM", provider: { name: "nope" }, rules: [{ to: [{ operation: { paths: ["/headers"] } }] }] });
  const out = authorizationFilters(httpbin, [custom], { rootNamespace: ROOT });
  assert.equal(decide(out.http, simRequest({ path: "/headers" })), "denied");
  assert.equal(decide(out.http, simRequest({ path: "/ip" })), "allowed");
  assert.match(out.warnings[0] ?? "", /provider "nope" not found/);
});

test("AUDIT never changes the decision; dry-run policies only shadow", () => {
  const audit = policy("foo", "audit", { action: "AUDIT", rules: [{ to: [{ operation: { paths: ["/x"] } }] }] });
  const dry = policy("foo", "dry", { action: "DENY", rules: [{}] }, { "istio.io/dry-run": "true" });
  const f = filtersFor(httpbin, [audit, dry]);
  assert.equal(decide(f, simRequest({ path: "/x" })), "allowed");
  const deny = f.find((x) => JSON.stringify(x).includes("shadow_rules"));
  assert.ok(deny, "dry-run policy lands in shadow_rules");
});

test("when: source.namespace, destination.port, connection.sni, remote.ip", () => {
  const p = policy("foo", "when", { rules: [{ when: [
    { key: "source.namespace", values: ["default"] }, { key: "destination.port", values: ["9080"] },
    { key: "connection.sni", values: ["*.foo.svc"] }, { key: "remote.ip", notValues: ["10.9.0.0/16"] }] }] });
  const f = filtersFor(httpbin, [p]);
  const base = { principal: PP, destinationPort: 9080, sni: "httpbin.foo.svc" };
  assert.equal(decide(f, simRequest(base)), "allowed");
  assert.equal(decide(f, simRequest({ ...base, destinationPort: 9081 })), "denied");
  assert.equal(decide(f, simRequest({ ...base, sni: "x.bar.svc" })), "denied");
  assert.equal(decide(f, simRequest({ ...base, sourceIp: "10.9.1.1" })), "denied");
  assert.equal(decide(f, simRequest({ ...base, principal: "spiffe://cluster.local/ns/foo/sa/x" })), "denied");
});
