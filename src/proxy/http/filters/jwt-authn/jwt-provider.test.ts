import { test } from "node:test";
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { isMizzenError } from "../../../../errors.js";
import { compileJwtProvider, unverifiedIssuer, verifyJwt, JWT_BAD_AUDIENCE, JWT_EXPIRED, JWT_VERIFICATION_FAILS } from "./jwt-provider.js";
import { compileRequirement } from "./jwt-requirement.js";

test("provider defaults: Authorization Bearer and access_token when no location is given", async () => {
  const { publicKey } = await generateKeyPair("ES256");
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "a" }] });
  const p = compileJwtProvider("p", { issuer: "iss", local_jwks: { inline_string: jwks } }, "providers.p");
  assert.deepEqual(p.headers, [{ name: "authorization", prefix: "Bearer " }]);
  assert.deepEqual(p.params, ["access_token"]);
  const q = compileJwtProvider("q", { issuer: "iss", local_jwks: { inline_string: jwks }, from_headers: [{ name: "X-Tok" }] }, "providers.q");
  assert.deepEqual(q.headers, [{ name: "x-tok", prefix: "" }]);
  assert.deepEqual(q.params, []);
});

test("verification statuses: valid, expired, wrong audience, other key", async () => {
  const k = await generateKeyPair("ES256");
  const other = await generateKeyPair("ES256");
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(k.publicKey)), kid: "a", alg: "ES256" }] });
  const p = compileJwtProvider("p", { issuer: "iss", audiences: ["me"], local_jwks: { inline_string: jwks } }, "providers.p");
  const sign = (key: CryptoKey, aud: string, exp: string | number): Promise<string> =>
    new SignJWT({ sub: "u" }).setProtectedHeader({ alg: "ES256", kid: "a" }).setIssuer("iss").setAudience(aud).setExpirationTime(exp).sign(key);
  const ok = await verifyJwt(p, await sign(k.privateKey, "me", "1h"));
  assert.equal(ok.ok, true);
  assert.deepEqual(await verifyJwt(p, await sign(k.privateKey, "me", Math.floor(Date.now() / 1000) - 600)), { ok: false, status: JWT_EXPIRED });
  assert.deepEqual(await verifyJwt(p, await sign(k.privateKey, "you", "1h")), { ok: false, status: JWT_BAD_AUDIENCE });
  assert.deepEqual(await verifyJwt(p, await sign(other.privateKey, "me", "1h")), { ok: false, status: JWT_VERIFICATION_FAILS });
});

test("unverifiedIssuer reads iss without trusting it; malformed tokens give null", () => {
  const payload = Buffer.from(JSON.stringify({ iss: "x" })).toString("base64url");
  assert.equal(unverifiedIssuer(`e30.${payload}.sig`), "x");
  assert.equal(unverifiedIssuer("abc"), null);
  assert.equal(unverifiedIssuer("a.!!!.c"), null);
});

test("bad provider and requirement configs are refused with the field named", async () => {
  const bad: [unknown, RegExp][] = [
    [{ issuer: "i" }, /needs local_jwks or remote_jwks/],
    [{ local_jwks: { inline_string: "{not json" } }, /not a JWKS/],
    [{ remote_jwks: { http_uri: { uri: "::" } } }, /is not a URL/],
  ];
  for (const [cfg, re] of bad) {
    assert.throws(() => compileJwtProvider("p", cfg, "providers.p"), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_XDS_INVALID" && re.test(e.message));
  }
  assert.throws(() => compileRequirement({ provider_name: "nope" }, "rules[0].requires", new Map()), /unknown provider "nope"/);
  assert.throws(() => compileRequirement({ requires_any: { requirements: [{ allow_missing: {} }] } }, "r", new Map()), /at least two/);
});
