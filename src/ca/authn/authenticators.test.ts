// One suite run against every authenticator: valid, missing, expired, forged, wrong-audience and
// malformed credentials, and that a credential proves exactly the identity it was bound to.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { isMizzenError } from "../../errors.js";
import { tempDir } from "../testing/fixtures.js";
import { BootstrapTokens, type PodBinding } from "./bootstrap-token.js";
import { KubernetesJwtAuthenticator } from "./kubernetes-jwt.js";
import { AuthenticatorRegistry } from "./registry.js";
import type { Authenticator, AuthnRequest } from "./types.js";

interface Kit {
  readonly authenticator: Authenticator;
  valid(pod: PodBinding): Promise<string>;
  expired(pod: PodBinding): Promise<string>;
  forged(pod: PodBinding): Promise<string>;
  wrongAudience(pod: PodBinding): Promise<string>;
  close(): void;
}

function req(authorization?: string): AuthnRequest {
  return { metadata: new Map(authorization === undefined ? [] : [["authorization", [authorization]]]), peer: "127.0.0.1:1" };
}

async function bootstrapKit(): Promise<Kit> {
  const dir = tempDir();
  const other = tempDir();
  const tokens = BootstrapTokens.open(dir.path);
  const stranger = BootstrapTokens.open(other.path);
  return {
    authenticator: tokens,
    valid: (pod) => tokens.issue(pod, 600),
    expired: (pod) => tokens.issue(pod, 60, Date.now() - 3600_000),
    forged: (pod) => stranger.issue(pod, 600),
    // Same key, another audience: signed by hand to prove the audience is checked.
    wrongAudience: async (pod) => {
      const key = Buffer.from(readFileSync(join(dir.path, "bootstrap-token.key"), "utf8").trim(), "base64");
      return new SignJWT({ "mizzen.io/pod": { namespace: pod.namespace, serviceAccount: pod.serviceAccount, name: pod.podName } })
        .setProtectedHeader({ alg: "HS256" }).setIssuer("mizzen://bootstrap").setAudience("someone-else").setExpirationTime("10m").sign(key);
    },
    close: () => {
      dir.remove();
      other.remove();
    },
  };
}

async function kubernetesKit(): Promise<Kit> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const other = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const issuer = "https://kubernetes.default.svc.cluster.local";
  const auth = new KubernetesJwtAuthenticator({ jwks: { keys: [jwk] }, issuer, audiences: ["istio-ca"] });
  const mint = (pod: PodBinding, o: { key?: CryptoKeyLike; aud?: string; exp?: number } = {}): Promise<string> =>
    new SignJWT({ "kubernetes.io": { namespace: pod.namespace, serviceaccount: { name: pod.serviceAccount, uid: "u" }, pod: { name: pod.podName, uid: "p" } } })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(issuer)
      .setSubject(`system:serviceaccount:${pod.namespace}:${pod.serviceAccount}`)
      .setAudience(o.aud ?? "istio-ca")
      .setIssuedAt()
      .setExpirationTime(o.exp ?? Math.floor(Date.now() / 1000) + 600)
      .sign(o.key ?? privateKey);
  return {
    authenticator: auth,
    valid: (pod) => mint(pod),
    expired: (pod) => mint(pod, { exp: Math.floor(Date.now() / 1000) - 3600 }),
    forged: (pod) => mint(pod, { key: other.privateKey }),
    wrongAudience: (pod) => mint(pod, { aud: "api" }),
    close: () => undefined,
  };
}
type CryptoKeyLike = Parameters<SignJWT["sign"]>[0];

const POD_A: PodBinding = { namespace: "bookinfo", serviceAccount: "reviews", podName: "reviews-v1-0" };
const POD_B: PodBinding = { namespace: "bookinfo", serviceAccount: "ratings", podName: "ratings-v1-0" };
const invalidToken = (e: unknown): boolean => isMizzenError(e) && e.code === "MIZZEN_ERR_AUTHN_TOKEN_INVALID";

for (const [name, make] of [["bootstrap-token", bootstrapKit], ["kubernetes-jwt", kubernetesKit]] as const) {
  describe(`authenticator ${name}`, () => {
    test("a valid token proves exactly the identity it was bound to", async () => {
      const kit = await make();
      try {
        const a = await kit.authenticator.authenticate(req(`Bearer ${await kit.valid(POD_A)}`));
        assert.deepEqual(a, { namespace: "bookinfo", serviceAccount: "reviews", podName: "reviews-v1-0", authenticator: name });
        const b = await kit.authenticator.authenticate(req(`bearer ${await kit.valid(POD_B)}`));
        assert.equal(b?.serviceAccount, "ratings");
      } finally {
        kit.close();
      }
    });

    test("no bearer credential is not this authenticator's business", async () => {
      const kit = await make();
      try {
        assert.equal(await kit.authenticator.authenticate(req()), undefined);
        assert.equal(await kit.authenticator.authenticate(req("Basic dXNlcjpwYXNz")), undefined);
      } finally {
        kit.close();
      }
    });

    test("expired, forged, wrong-audience and malformed tokens are refused", async () => {
      const kit = await make();
      try {
        for (const t of [await kit.expired(POD_A), await kit.forged(POD_A), await kit.wrongAudience(POD_A), "not.a.jwt", "x"]) {
          await assert.rejects(kit.authenticator.authenticate(req(`Bearer ${t}`)), invalidToken, t.slice(0, 20));
        }
      } finally {
        kit.close();
      }
    });

    test("a token whose payload was edited to name another pod is refused", async () => {
      const kit = await make();
      try {
        const [h, p, s] = (await kit.valid(POD_A)).split(".") as [string, string, string];
        const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
        const edited = JSON.stringify(claims).replaceAll("reviews", "ratings");
        const token = `${h}.${Buffer.from(edited).toString("base64url")}.${s}`;
        await assert.rejects(kit.authenticator.authenticate(req(`Bearer ${token}`)), invalidToken);
      } finally {
        kit.close();
      }
    });
  });
}

test("the registry accepts either kind and reports every reason when none accepts", async () => {
  const boot = await bootstrapKit();
  const kube = await kubernetesKit();
  try {
    const reg = new AuthenticatorRegistry().register(boot.authenticator).register(kube.authenticator);
    assert.deepEqual(reg.names(), ["bootstrap-token", "kubernetes-jwt"]);
    assert.equal((await reg.authenticate(req(`Bearer ${await kube.valid(POD_B)}`))).authenticator, "kubernetes-jwt");
    assert.equal((await reg.authenticate(req(`Bearer ${await boot.valid(POD_A)}`))).authenticator, "bootstrap-token");
    await assert.rejects(reg.authenticate(req(`Bearer ${await boot.expired(POD_A)}`)), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_AUTHN_FAILED" && e.details?.length === 2);
    await assert.rejects(reg.authenticate(req()), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_AUTHN_FAILED");
    assert.throws(() => reg.register(boot.authenticator), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_AUTHN_DUPLICATE");
  } finally {
    boot.close();
    kube.close();
  }
});
