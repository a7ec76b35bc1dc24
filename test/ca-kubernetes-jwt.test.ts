// Kubernetes service-account JWTs at the CSR service, with the JWKS fetched over HTTP as a cluster
// serves it (jose caches it): the token's service account becomes the SPIFFE ID.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { createServer } from "node:http";
import { test } from "node:test";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { startIdentityAgent } from "../src/agent/identity-agent.js";
import { CaClient } from "../src/agent/ca-client.js";
import { makeKeyAndCsr } from "../src/agent/workload-key.js";
import { CertificateAuthority } from "../src/ca/authority.js";
import { KubernetesJwtAuthenticator } from "../src/ca/authn/kubernetes-jwt.js";
import { AuthenticatorRegistry } from "../src/ca/authn/registry.js";
import { startCaServer } from "../src/ca/csr-service.js";
import { createSelfSignedRoot } from "../src/ca/signing-ca.js";
import { isMizzenError } from "../src/errors.js";

const ISSUER = "https://kubernetes.default.svc.cluster.local";

test("a projected service-account token (audience istio-ca) gets that service account's identity", async () => {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "sa-key", alg: "ES256", use: "sig" }] };
  let jwksFetches = 0;
  const http = createServer((_req, res) => {
    jwksFetches++;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(jwks));
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  const addr = http.address();
  assert.ok(addr !== null && typeof addr !== "string");
  const root = await createSelfSignedRoot({ trustDomain: "cluster.local", keyKind: "ecdsa-p256" });
  const authority = new CertificateAuthority({ signing: root.ca });
  const kube = new KubernetesJwtAuthenticator({ jwks: new URL(`http://127.0.0.1:${addr.port}/openid/v1/jwks`), issuer: ISSUER });
  const server = await startCaServer({ authority, authenticators: new AuthenticatorRegistry().register(kube), port: 0 });
  const saToken = (o: { aud?: string; iss?: string } = {}): Promise<string> =>
    new SignJWT({ "kubernetes.io": { namespace: "shop", serviceaccount: { name: "cart", uid: "1" }, pod: { name: "cart-7d9", uid: "2" } } })
      .setProtectedHeader({ alg: "ES256", kid: "sa-key" })
      .setIssuer(o.iss ?? ISSUER)
      .setAudience(o.aud ?? "istio-ca")
      .setSubject("system:serviceaccount:shop:cart")
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(privateKey);
  try {
    const agent = await startIdentityAgent({ caAddress: server.address, rootCertPem: root.ca.rootPem, serverName: "istiod.istio-system.svc", token: () => saToken(), firstCertTimeoutMs: 10_000 });
    try {
      assert.equal(agent.certificate()?.spiffeId, "spiffe://cluster.local/ns/shop/sa/cart");
    } finally {
      agent.close();
    }
    assert.ok(jwksFetches >= 1, "the JWKS was fetched from the cluster endpoint");
    for (const bad of [{ aud: "kubernetes" }, { iss: "https://other-issuer" }]) {
      const client = new CaClient({ caAddress: server.address, rootCertPem: root.ca.rootPem, serverName: "istiod.istio-system.svc", token: () => saToken(bad) });
      try {
        await assert.rejects(client.createCertificate((await makeKeyAndCsr()).csrPem, 600), (e) => isMizzenError(e) && /UNAUTHENTICATED/.test(e.message));
      } finally {
        client.close();
      }
    }
    const ok = new CaClient({ caAddress: server.address, rootCertPem: root.ca.rootPem, serverName: "istiod.istio-system.svc", token: () => saToken() });
    try {
      const chain = await ok.createCertificate((await makeKeyAndCsr({ spiffeId: "spiffe://cluster.local/ns/shop/sa/cart" })).csrPem, 600);
      assert.equal(new X509Certificate(chain[0] as string).subjectAltName, "URI:spiffe://cluster.local/ns/shop/sa/cart");
    } finally {
      ok.close();
    }
  } finally {
    await server.close();
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
  }
});
