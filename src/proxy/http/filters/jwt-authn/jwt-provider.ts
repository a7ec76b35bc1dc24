// envoy.extensions.filters.http.jwt_authn.v3.JwtProvider compiled: issuer, audiences, the key
// set (inline JWKS, or a remote JWKS fetched, cached for cache_duration and re-fetched when an
// unknown key id shows up), where tokens are read from, and what is written on success.
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, errors, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { arr, bool, durationMs, invalid, obj, str } from "../../../router/envoy-json.js";

export interface HeaderLocation { readonly name: string; readonly prefix: string }

export interface JwtProvider {
  readonly name: string;
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly headers: readonly HeaderLocation[];
  readonly params: readonly string[];
  readonly cookies: readonly string[];
  readonly forward: boolean;
  readonly forwardPayloadHeader: string;
  readonly payloadInMetadata: string;
  readonly claimToHeaders: readonly { readonly header: string; readonly claim: string }[];
  readonly keys: JWTVerifyGetKey;
  /** Present for remote JWKS: fetch now (async_fetch) so the first request does not wait. */
  readonly prefetch?: () => Promise<void>;
}

/** Envoy's status texts, used as the 401 body. */
export const JWT_MISSING = "Jwt is missing";
export const JWT_EXPIRED = "Jwt is expired";
export const JWT_NOT_YET_VALID = "Jwt not yet valid";
export const JWT_BAD_AUDIENCE = "Audiences in Jwt are not allowed";
export const JWT_UNKNOWN_ISSUER = "Jwt issuer is not configured";
export const JWT_BAD_FORMAT = "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections";
export const JWT_VERIFICATION_FAILS = "Jwt verification fails";
export const JWKS_FETCH_FAILS = "Jwks remote fetch is failed";

const DEFAULT_HEADERS: readonly HeaderLocation[] = [{ name: "authorization", prefix: "Bearer " }];
const DEFAULT_PARAMS: readonly string[] = ["access_token"];

function compileKeys(o: Record<string, unknown>, field: string): { keys: JWTVerifyGetKey; prefetch?: () => Promise<void> } {
  const local = obj(o["local_jwks"], `${field}.local_jwks`);
  if (local) {
    const text = str(local["inline_string"], `${field}.local_jwks.inline_string`);
    if (text === undefined) throw invalid(`${field}.local_jwks`, "only inline_string is supported");
    let set: JSONWebKeySet;
    try {
      set = JSON.parse(text) as JSONWebKeySet;
      return { keys: createLocalJWKSet(set) };
    } catch (e) {
      throw invalid(`${field}.local_jwks.inline_string`, `not a JWKS: ${e instanceof Error ? e.message : "unparseable"}`);
    }
  }
  const remote = obj(o["remote_jwks"], `${field}.remote_jwks`);
  if (remote) {
    const httpUri = obj(remote["http_uri"], `${field}.remote_jwks.http_uri`) ?? {};
    const uri = str(httpUri["uri"], `${field}.remote_jwks.http_uri.uri`) ?? "";
    let url: URL;
    try { url = new URL(uri); } catch { throw invalid(`${field}.remote_jwks.http_uri.uri`, `"${uri}" is not a URL`); }
    const cacheMs = durationMs(remote["cache_duration"], `${field}.remote_jwks.cache_duration`) ?? 600_000;
    const timeoutMs = durationMs(httpUri["timeout"], `${field}.remote_jwks.http_uri.timeout`) ?? 5_000;
    const set = createRemoteJWKSet(url, { cacheMaxAge: cacheMs, timeoutDuration: timeoutMs, cooldownDuration: Math.min(30_000, cacheMs) });
    const asyncFetch = remote["async_fetch"] !== undefined && remote["async_fetch"] !== null;
    return asyncFetch ? { keys: set, prefetch: () => set.reload() } : { keys: set };
  }
  throw invalid(field, "needs local_jwks or remote_jwks");
}

export function compileJwtProvider(name: string, v: unknown, field: string): JwtProvider {
  const o = obj(v, field) ?? {};
  const fh = arr(o["from_headers"], `${field}.from_headers`).map((h, i) => {
    const ho = obj(h, `${field}.from_headers[${i}]`) ?? {};
    return { name: (str(ho["name"], `${field}.from_headers[${i}].name`) ?? "").toLowerCase(), prefix: str(ho["value_prefix"], `${field}.from_headers[${i}].value_prefix`) ?? "" };
  });
  const params = arr(o["from_params"], `${field}.from_params`).map((p, i) => str(p, `${field}.from_params[${i}]`) ?? "");
  const cookies = arr(o["from_cookies"], `${field}.from_cookies`).map((p, i) => str(p, `${field}.from_cookies[${i}]`) ?? "");
  const anyLocation = fh.length + params.length + cookies.length > 0;
  const { keys, prefetch } = compileKeys(o, field);
  return {
    name,
    issuer: str(o["issuer"], `${field}.issuer`) ?? "",
    audiences: arr(o["audiences"], `${field}.audiences`).map((a, i) => str(a, `${field}.audiences[${i}]`) ?? ""),
    headers: anyLocation ? fh : DEFAULT_HEADERS,
    params: anyLocation ? params : DEFAULT_PARAMS,
    cookies,
    forward: bool(o["forward"], `${field}.forward`) ?? false,
    forwardPayloadHeader: (str(o["forward_payload_header"], `${field}.forward_payload_header`) ?? "").toLowerCase(),
    payloadInMetadata: str(o["payload_in_metadata"], `${field}.payload_in_metadata`) ?? "",
    claimToHeaders: arr(o["claim_to_headers"], `${field}.claim_to_headers`).map((c, i) => {
      const co = obj(c, `${field}.claim_to_headers[${i}]`) ?? {};
      return { header: (str(co["header_name"], `${field}.claim_to_headers[${i}].header_name`) ?? "").toLowerCase(), claim: str(co["claim_name"], `${field}.claim_to_headers[${i}].claim_name`) ?? "" };
    }),
    keys,
    ...(prefetch ? { prefetch } : {}),
  };
}

/** The issuer a token claims, read without verifying (to pick the provider), or null if malformed. */
export function unverifiedIssuer(token: string): string | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const payload = JSON.parse(Buffer.from(parts[1] as string, "base64url").toString("utf8")) as unknown;
    if (typeof payload !== "object" || payload === null) return null;
    const iss = (payload as Record<string, unknown>)["iss"];
    return typeof iss === "string" ? iss : "";
  } catch {
    return null;
  }
}

export type VerifyResult = { ok: true; payload: JWTPayload } | { ok: false; status: string };

/** Verifies signature, exp/nbf, issuer and audiences as Envoy does; never throws. */
export async function verifyJwt(p: JwtProvider, token: string): Promise<VerifyResult> {
  try {
    const { payload } = await jwtVerify(token, p.keys, {
      ...(p.issuer ? { issuer: p.issuer } : {}),
      ...(p.audiences.length > 0 ? { audience: [...p.audiences] } : {}),
      clockTolerance: 60,
    });
    return { ok: true, payload };
  } catch (e) {
    if (e instanceof errors.JWTExpired) return { ok: false, status: JWT_EXPIRED };
    if (e instanceof errors.JWTClaimValidationFailed) {
      if (e.claim === "aud") return { ok: false, status: JWT_BAD_AUDIENCE };
      if (e.claim === "iss") return { ok: false, status: JWT_UNKNOWN_ISSUER };
      if (e.claim === "nbf") return { ok: false, status: JWT_NOT_YET_VALID };
    }
    if (e instanceof errors.JWTInvalid || e instanceof errors.JWSInvalid) return { ok: false, status: JWT_BAD_FORMAT };
    if (e instanceof errors.JWKSTimeout || (e instanceof Error && /fetch|ECONNREFUSED|Expected 200/i.test(e.message))) return { ok: false, status: JWKS_FETCH_FAILS };
    return { ok: false, status: JWT_VERIFICATION_FAILS };
  }
}
