// Per-pod bootstrap tokens for the local platform: HS256 JWTs signed with a key kept in the CA's
// data dir (0600), bound to namespace + service account + pod name, and expiring. The launcher
// issues one per pod; the CA accepts it as `authorization: Bearer <token>`.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { SignJWT, jwtVerify } from "jose";
import { MizzenError } from "../../errors.js";
import { ensureDir, existsSync, readCaFile, writePrivateFile } from "../files.js";
import { bearerToken, type AuthnRequest, type Authenticator, type Caller } from "./types.js";

export const BOOTSTRAP_KEY_FILE = "bootstrap-token.key";
const ISSUER = "mizzen://bootstrap";
const AUDIENCE = "istio-ca";
const POD_CLAIM = "mizzen.io/pod";
export const DEFAULT_BOOTSTRAP_TOKEN_TTL_S = 24 * 3600;

export interface PodBinding {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly podName: string;
}

interface PodClaim {
  namespace?: unknown;
  serviceAccount?: unknown;
  name?: unknown;
}

export class BootstrapTokens implements Authenticator {
  readonly name = "bootstrap-token";

  private constructor(private readonly key: Uint8Array) {}

  /** Opens (or at first start creates) the signing key in `dataDir`. */
  static open(dataDir: string): BootstrapTokens {
    ensureDir(dataDir);
    const path = join(dataDir, BOOTSTRAP_KEY_FILE);
    if (!existsSync(path)) writePrivateFile(path, `${randomBytes(32).toString("base64")}\n`);
    const key = Buffer.from(readCaFile(path).trim(), "base64");
    if (key.length < 32) throw new MizzenError("MIZZEN_ERR_AUTHN_KEY", `${path}: bootstrap token key is shorter than 32 bytes`);
    return new BootstrapTokens(new Uint8Array(key));
  }

  /** A token for one pod, valid `ttlSeconds` (default 24 h). */
  async issue(pod: PodBinding, ttlSeconds = DEFAULT_BOOTSTRAP_TOKEN_TTL_S, nowMs = Date.now()): Promise<string> {
    const iat = Math.floor(nowMs / 1000);
    return new SignJWT({ [POD_CLAIM]: { namespace: pod.namespace, serviceAccount: pod.serviceAccount, name: pod.podName } })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(`system:serviceaccount:${pod.namespace}:${pod.serviceAccount}`)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttlSeconds)
      .setJti(randomBytes(12).toString("hex"))
      .sign(this.key);
  }

  async authenticate(req: AuthnRequest): Promise<Caller | undefined> {
    const token = bearerToken(req);
    if (token === undefined) return undefined;
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ["HS256"], requiredClaims: ["exp"] }));
    } catch (e) {
      const code = (e as { code?: string }).code ?? "ERR_JWT_INVALID";
      throw new MizzenError("MIZZEN_ERR_AUTHN_TOKEN_INVALID", `bootstrap token rejected (${code})`);
    }
    const pod = payload[POD_CLAIM] as PodClaim | undefined;
    if (!pod || typeof pod.namespace !== "string" || typeof pod.serviceAccount !== "string" || typeof pod.name !== "string") {
      throw new MizzenError("MIZZEN_ERR_AUTHN_TOKEN_INVALID", "bootstrap token has no pod binding");
    }
    return { namespace: pod.namespace, serviceAccount: pod.serviceAccount, podName: pod.name, authenticator: this.name };
  }
}
