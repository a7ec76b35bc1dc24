// Kubernetes service-account JWTs (projected tokens, audience istio-ca by default) verified against
// the cluster's JWKS: inline (a JSON Web Key Set) or fetched from a URL and cached by jose.
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from "jose";
import { MizzenError } from "../../errors.js";
import { bearerToken, type AuthnRequest, type Authenticator, type Caller } from "./types.js";

export interface KubernetesJwtOptions {
  readonly jwks: JSONWebKeySet | URL;
  readonly issuer: string;
  /** Accepted audiences; Istio's default is istio-ca. */
  readonly audiences?: readonly string[];
}

interface KubeClaim {
  namespace?: unknown;
  serviceaccount?: { name?: unknown };
  pod?: { name?: unknown };
}

function callerFrom(payload: JWTPayload, name: string): Caller {
  const kube = payload["kubernetes.io"] as KubeClaim | undefined;
  let ns = typeof kube?.namespace === "string" ? kube.namespace : undefined;
  let sa = typeof kube?.serviceaccount?.name === "string" ? kube.serviceaccount.name : undefined;
  if (ns === undefined || sa === undefined) {
    const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(payload.sub ?? "");
    ns = m?.[1];
    sa = m?.[2];
  }
  if (ns === undefined || sa === undefined) throw new MizzenError("MIZZEN_ERR_AUTHN_TOKEN_INVALID", "service-account token names no namespace and service account");
  const pod = typeof kube?.pod?.name === "string" ? kube.pod.name : undefined;
  return { namespace: ns, serviceAccount: sa, ...(pod !== undefined ? { podName: pod } : {}), authenticator: name };
}

export class KubernetesJwtAuthenticator implements Authenticator {
  readonly name = "kubernetes-jwt";
  private readonly keys: ReturnType<typeof createLocalJWKSet> | ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly opts: KubernetesJwtOptions) {
    this.keys = opts.jwks instanceof URL ? createRemoteJWKSet(opts.jwks) : createLocalJWKSet(opts.jwks);
  }

  async authenticate(req: AuthnRequest): Promise<Caller | undefined> {
    const token = bearerToken(req);
    if (token === undefined) return undefined;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.opts.issuer,
        audience: [...(this.opts.audiences ?? ["istio-ca"])],
        requiredClaims: ["exp"],
      }));
    } catch (e) {
      const code = (e as { code?: string }).code ?? "ERR_JWT_INVALID";
      throw new MizzenError("MIZZEN_ERR_AUTHN_TOKEN_INVALID", `service-account token rejected (${code})`);
    }
    return callerFrom(payload, this.name);
  }
}
