// RequestAuthentication + AuthorizationPolicy through a running connection manager: JWTs
// verified by the jwt_authn filter (inline and remote JWKS), decisions by the RBAC filter.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { RequestAuthentication } from "../src/config/kinds/security/request-authentication.js";
import { inboundSecurityHttpFilters } from "../src/pilot/security/index.js";
import { policy } from "../src/pilot/security/testing/authz-harness.js";
import type { AuthorizationPolicy } from "../src/config/kinds/security/authorization-policy.js";
import { closeServer, echoUpstream, get, ISSUER, listen, post, signingKey, startProxy, token, type SigningKey } from "./security-fixtures.js";

const workload = { namespace: "foo", labels: { app: "httpbin" } };
let upstream: { server: Server; port: number };
let key: SigningKey;
let otherKey: SigningKey;

function requestAuthn(rule: Record<string, unknown>): RequestAuthentication {
  return { apiVersion: "security.istio.io/v1", kind: "RequestAuthentication", metadata: { name: "jwt", namespace: "foo" },
    spec: { selector: { matchLabels: { app: "httpbin" } }, jwtRules: [{ issuer: ISSUER, ...rule }] } };
}

async function proxyFor(authn: RequestAuthentication[], authz: AuthorizationPolicy[]): Promise<Awaited<ReturnType<typeof startProxy>>> {
  const f = inboundSecurityHttpFilters(workload, authz, authn, { rootNamespace: "istio-system" });
  return startProxy(upstream.port, f.http);
}

before(async () => {
  upstream = await echoUpstream();
  key = await signingKey("k1");
  otherKey = await signingKey("k1");
});

after(async () => { await closeServer(upstream.server); });

test("RequestAuthentication alone: valid 200, expired/forged/wrong-audience/garbage 401, missing 200", async () => {
  const authn = requestAuthn({ jwks: JSON.stringify({ keys: [key.jwk] }), audiences: ["httpbin"], outputPayloadToHeader: "x-jwt-payload" });
  const p = await proxyFor([authn], []);
  try {
    const port = p.served.port;
    const ok = await get(port, "/headers", { authorization: `Bearer ${await token(key, { groups: ["group1"] })}` });
    assert.equal(ok.status, 200);
    const seen = JSON.parse(ok.body) as Record<string, string>;
    assert.equal(seen["authorization"], undefined, "the token is not forwarded unless forwardOriginalToken");
    const payload = JSON.parse(Buffer.from(seen["x-jwt-payload"] ?? "", "base64url").toString()) as Record<string, unknown>;
    assert.equal(payload["iss"], ISSUER);

    const expired = await get(port, "/headers", { authorization: `Bearer ${await token(key, {}, { exp: Math.floor(Date.now() / 1000) - 3600 })}` });
    assert.equal(expired.status, 401);
    assert.equal(expired.body, "Jwt is expired");
    assert.match(String(expired.headers["www-authenticate"]), /^Bearer realm="http:\/\/httpbin\.foo\/headers", error="invalid_token"$/);

    const forged = await get(port, "/headers", { authorization: `Bearer ${await token(otherKey)}` });
    assert.equal(forged.status, 401);
    assert.equal(forged.body, "Jwt verification fails");

    const wrongAud = await get(port, "/headers", { authorization: `Bearer ${await token(key, {}, { aud: "someone-else" })}` });
    assert.equal(wrongAud.status, 401);
    assert.equal(wrongAud.body, "Audiences in Jwt are not allowed");

    const otherIssuer = await get(port, "/headers", { authorization: `Bearer ${await token(key, {}, { iss: "evil@example.com" })}` });
    assert.equal(otherIssuer.status, 401);

    const garbage = await get(port, "/headers", { authorization: "Bearer not.a-jwt" });
    assert.equal(garbage.status, 401);

    const missing = await get(port, "/headers");
    assert.equal(missing.status, 200);
  } finally {
    await p.close();
  }
});

test("require a request principal: missing token 403, valid 200; claims-based group", async () => {
  const authn = requestAuthn({ jwks: JSON.stringify({ keys: [key.jwk] }) });
  const requireJwt = policy("foo", "require-jwt", { selector: { matchLabels: { app: "httpbin" } }, action: "ALLOW",
    rules: [{ from: [{ source: { requestPrincipals: [`${ISSUER}/${ISSUER}`] } }], when: [{ key: "request.auth.claims[groups]", values: ["group1"] }] }] });
  const p = await proxyFor([authn], [requireJwt]);
  try {
    const port = p.served.port;
    const missing = await get(port, "/headers");
    assert.equal(missing.status, 403);
    assert.equal(missing.body, "RBAC: access denied");
    assert.equal((await get(port, "/headers", { authorization: `Bearer ${await token(key, { groups: ["group1", "group2"] })}` })).status, 200);
    const noGroup = await get(port, "/headers", { authorization: `Bearer ${await token(key, { groups: ["group2"] })}` });
    assert.equal(noGroup.status, 403);
    assert.equal((await get(port, "/headers", { authorization: `Bearer ${await token(otherKey, { groups: ["group1"] })}` })).status, 401);
  } finally {
    await p.close();
  }
});

test("fromHeaders with a prefix and fromParams; forwardOriginalToken keeps the header", async () => {
  const authn = requestAuthn({ jwks: JSON.stringify({ keys: [key.jwk] }), fromHeaders: [{ name: "x-jwt", prefix: "Token " }], fromParams: ["my_token"], forwardOriginalToken: true });
  const any = policy("foo", "any-principal", { rules: [{ from: [{ source: { requestPrincipals: ["*"] } }] }] });
  const p = await proxyFor([authn], [any]);
  try {
    const port = p.served.port;
    const t = await token(key);
    const viaHeader = await get(port, "/h", { "x-jwt": `Token ${t}` });
    assert.equal(viaHeader.status, 200);
    assert.equal((JSON.parse(viaHeader.body) as Record<string, string>)["x-jwt"], `Token ${t}`);
    assert.equal((await get(port, `/h?my_token=${t}`)).status, 200);
    assert.equal((await get(port, "/h", { authorization: `Bearer ${t}` })).status, 403, "Authorization is not a configured location");
  } finally {
    await p.close();
  }
});

test("a request body waits while the token is verified; outputClaimToHeaders reaches the upstream", async () => {
  const authn = requestAuthn({ jwks: JSON.stringify({ keys: [key.jwk] }), outputClaimToHeaders: [{ header: "x-jwt-sub", claim: "sub" }, { header: "x-jwt-team", claim: "org.team" }] });
  const p = await proxyFor([authn], []);
  try {
    const body = "x".repeat(100_000);
    const r = await post(p.served.port, "/anything", body, { authorization: `Bearer ${await token(key, { org: { team: "blue" } })}` });
    assert.equal(r.status, 200);
    const seen = JSON.parse(r.body) as Record<string, string>;
    assert.equal(seen["x-jwt-sub"], ISSUER);
    assert.equal(seen["x-jwt-team"], "blue");
    assert.equal(seen["x-body-length"], String(body.length));
  } finally {
    await p.close();
  }
});

test("remote JWKS: fetched from a loopback server, re-fetched when keys rotate", async () => {
  let current = [key.jwk];
  let fetches = 0;
  const jwks = createServer((_req, res) => { fetches++; res.setHeader("content-type", "application/json"); res.end(JSON.stringify({ keys: current })); });
  const jwksPort = await listen(jwks);
  const rotated = await signingKey("k2");
  const authn = requestAuthn({ jwksUri: `http://127.0.0.1:${jwksPort}/jwks.json` });
  const f = inboundSecurityHttpFilters(workload, [], [authn], { rootNamespace: "istio-system" });
  // A short cache so the rotation is picked up within the test.
  const provider = ((f.http[0]?.["typed_config"] as Record<string, unknown>)["providers"] as Record<string, Record<string, Record<string, unknown>>>)["origins-0"];
  assert.ok(provider?.["remote_jwks"]);
  provider["remote_jwks"]["cache_duration"] = "0.05s";
  const p = await startProxy(upstream.port, f.http);
  try {
    const port = p.served.port;
    assert.equal((await get(port, "/h", { authorization: `Bearer ${await token(key)}` })).status, 200);
    assert.ok(fetches >= 1);
    current = [rotated.jwk];
    const fetchesBefore = fetches;
    const t2 = await token(rotated);
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await get(port, "/h", { authorization: `Bearer ${t2}` })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(status, 200, "a token signed by the rotated key verifies once the JWKS is re-fetched");
    assert.ok(fetches > fetchesBefore);
    assert.equal((await get(port, "/h", { authorization: `Bearer ${await token(otherKey)}` })).status, 401);
  } finally {
    await p.close();
    await closeServer(jwks);
  }
});
