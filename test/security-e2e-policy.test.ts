// AuthorizationPolicy and RequestAuthentication through the real control plane and two real
// sidecars (STRICT mTLS, so principals are authenticated): Istio's allow-nothing → 403
// "RBAC: access denied", then ALLOW GET from one principal, a DENY by path, and JWT: a valid token
// passes, expired / forged / wrong-audience tokens get 401, a missing token passes until a policy
// requires a request principal.
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import {
  echoApp, freePortOn, registerPod, startControlPlaneProcess, startSidecar, viaSidecar, waitFor,
  type ControlPlaneProcess, type PodSpec, type Reply, type SidecarProcess,
} from "./security-e2e-harness.js";

const WEB_IP = "127.0.0.12";
const API_IP = "127.0.0.13";
const ISSUER = "https://issuer.example.com";

const STRICT = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: default }
spec: { mtls: { mode: STRICT } }
`;

const ALLOW_NOTHING = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow-nothing, namespace: default }
spec: {}
`;

function allowGetFromWeb(requireJwt: boolean): string {
  return `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: api-viewer, namespace: default }
spec:
  selector: { matchLabels: { app: api } }
  action: ALLOW
  rules:
  - from: [{ source: { principals: ["cluster.local/ns/default/sa/web-sa"]${requireJwt ? ", requestPrincipals: [\"*\"]" : ""} } }]
    to: [{ operation: { methods: ["GET"] } }]
`;
}

const DENY_ADMIN = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-admin, namespace: default }
spec:
  selector: { matchLabels: { app: api } }
  action: DENY
  rules: [{ to: [{ operation: { paths: ["/admin/*"] } }] }]
`;

function requestAuthentication(jwks: string): string {
  return `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: api-jwt, namespace: default }
spec:
  selector: { matchLabels: { app: api } }
  jwtRules:
  - issuer: ${ISSUER}
    audiences: [api]
    jwks: '${jwks}'
`;
}

function service(port: number): string {
  return `apiVersion: v1
kind: Service
metadata: { name: api, namespace: default }
spec:
  selector: { app: api }
  ports: [{ name: http, port: ${port}, targetPort: http }]
`;
}

describe("authorization and JWT through real sidecars", () => {
  let cp: ControlPlaneProcess;
  const sidecars: SidecarProcess[] = [];
  let app: Server | undefined;
  let apiPort = 0;
  let proxyPort = 0;
  let key: CryptoKey;
  let otherKey: CryptoKey;
  let jwks = "";

  before(async () => {
    apiPort = await freePortOn(["127.0.0.1", API_IP]);
    proxyPort = await freePortOn([WEB_IP]);
    app = await echoApp(apiPort, "api");
    // The published key set holds the key tokens are signed with; otherKey signs forgeries.
    const signing = await generateKeyPair("RS256", { extractable: true });
    key = signing.privateKey;
    otherKey = (await generateKeyPair("RS256")).privateKey;
    jwks = JSON.stringify({ keys: [{ ...(await exportJWK(signing.publicKey)), kid: "k1", alg: "RS256", use: "sig" }] });
    cp = await startControlPlaneProcess({ "svc.yaml": service(apiPort), "peer.yaml": STRICT, "authz.yaml": ALLOW_NOTHING });
    const webPod: PodSpec = { name: "web-0", ip: WEB_IP, serviceAccount: "web-sa", labels: { app: "web" }, ports: {} };
    const apiPod: PodSpec = { name: "api-0", ip: API_IP, serviceAccount: "api-sa", labels: { app: "api" }, ports: { http: apiPort } };
    await registerPod(cp, webPod);
    await registerPod(cp, apiPod);
    sidecars.push(await startSidecar(cp, apiPod), await startSidecar(cp, webPod, { httpProxyPort: proxyPort }));
  });

  after(async () => {
    for (const s of sidecars) await s.stop();
    app?.close();
    await cp?.stop();
  });

  const call = (path: string, opts: { method?: string; token?: string } = {}): Promise<Reply> =>
    viaSidecar(WEB_IP, proxyPort, `http://api.default.svc.cluster.local:${apiPort}${path}`, {
      ...(opts.method ? { method: opts.method } : {}),
      ...(opts.token ? { headers: { authorization: `Bearer ${opts.token}` } } : {}),
    });

  async function eventually(what: string, path: string, status: number, opts: { method?: string; token?: string } = {}): Promise<Reply> {
    let last: Reply | undefined;
    await waitFor(what, async () => {
      try {
        last = await call(path, opts);
      } catch {
        return false;
      }
      return last.status === status;
    }, 20_000).catch((e: unknown) => { throw new Error(`${String(e)}; last: ${JSON.stringify(last)}; ${sidecars.map((s) => s.log().slice(-1500)).join("\n")}`); });
    return last as Reply;
  }

  function token(claims: { aud?: string; expSecondsFromNow?: number; signer?: CryptoKey }): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ scope: "read" })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(ISSUER)
      .setSubject("alice")
      .setAudience(claims.aud ?? "api")
      .setIssuedAt(now - 120)
      .setExpirationTime(now + (claims.expSecondsFromNow ?? 600))
      .sign(claims.signer ?? key);
  }

  it("allow-nothing denies every request with 403 RBAC: access denied", async () => {
    const r = await eventually("allow-nothing in force", "/", 403);
    assert.equal(r.body, "RBAC: access denied");
  });

  it("ALLOW GET from web's principal: GET passes, POST is denied; a DENY by path wins", async () => {
    await cp.write("authz.yaml", allowGetFromWeb(false));
    const ok = await eventually("GET allowed", "/productpage", 200);
    assert.equal((JSON.parse(ok.body) as { method: string }).method, "GET");
    const post = await call("/productpage", { method: "POST" });
    assert.equal(post.status, 403);
    assert.equal(post.body, "RBAC: access denied");
    await cp.write("deny.yaml", DENY_ADMIN);
    await eventually("DENY /admin/*", "/admin/users", 403);
    assert.equal((await call("/public")).status, 200);
  });

  it("RequestAuthentication: valid passes, expired/forged/wrong audience 401, missing passes until required", async () => {
    await cp.write("jwt.yaml", requestAuthentication(jwks));
    await eventually("a forged token refused", "/", 401, { token: await token({ signer: otherKey }) });
    assert.equal((await call("/", { token: await token({}) })).status, 200);
    assert.equal((await call("/", { token: await token({ expSecondsFromNow: -60 }) })).status, 401);
    assert.equal((await call("/", { token: await token({ aud: "billing" }) })).status, 401);
    assert.equal((await call("/")).status, 200);
    await cp.write("authz.yaml", allowGetFromWeb(true));
    const missing = await eventually("a request principal required", "/", 403);
    assert.equal(missing.body, "RBAC: access denied");
    assert.equal((await call("/", { token: await token({}) })).status, 200);
  });
});
