// What a verified token leaves behind: forwarded or stripped token, payload and claim headers,
// the payload in jwt_authn metadata, and Istio's request.auth.* attributes for RBAC.
import type { JWTPayload } from "jose";
import type { HttpStream } from "../http-filter.js";
import { ISTIO_AUTHN, setMetadata } from "../rbac/dynamic-metadata.js";
import type { FoundToken } from "./token-locations.js";

export const JWT_AUTHN_METADATA = "envoy.filters.http.jwt_authn";

/** Istio exposes every claim as a list of strings (space-delimited `scope` split) for RBAC's list_match. */
function claimsForRbac(v: unknown, key: string): unknown {
  if (Array.isArray(v)) return v.map((x) => typeof x === "string" ? x : JSON.stringify(x));
  if (typeof v === "string") return key === "scope" || key === "scp" ? v.split(" ").filter((s) => s !== "") : [v];
  if (typeof v === "number" || typeof v === "boolean") return [String(v)];
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = claimsForRbac(x, k);
    return out;
  }
  return [];
}

function claimAt(payload: JWTPayload, path: string): unknown {
  let v: unknown = payload;
  for (const k of path.split(".")) v = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

export function applyVerified(ex: HttpStream, found: FoundToken, payload: JWTPayload, first: boolean): void {
  const p = found.provider;
  if (!p.forward && found.header !== "") ex.headers.remove(found.header);
  if (p.forwardPayloadHeader !== "") ex.headers.set(p.forwardPayloadHeader, Buffer.from(JSON.stringify(payload)).toString("base64url"));
  for (const c of p.claimToHeaders) {
    const v = claimAt(payload, c.claim);
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") ex.headers.set(c.header, String(v));
    else if (Array.isArray(v)) ex.headers.set(c.header, v.map(String).join(","));
  }
  if (p.payloadInMetadata !== "") setMetadata(ex, JWT_AUTHN_METADATA, p.payloadInMetadata, payload);
  if (!first) return;
  // Istio's authn step: the first verified token names the request principal.
  setMetadata(ex, ISTIO_AUTHN, "request.auth.principal", `${payload.iss ?? ""}/${payload.sub ?? ""}`);
  const aud = Array.isArray(payload.aud) ? payload.aud : payload.aud === undefined ? [] : [payload.aud];
  setMetadata(ex, ISTIO_AUTHN, "request.auth.audiences", aud);
  if (typeof payload["azp"] === "string") setMetadata(ex, ISTIO_AUTHN, "request.auth.presenter", payload["azp"]);
  setMetadata(ex, ISTIO_AUTHN, "request.auth.claims", claimsForRbac(payload, ""));
}
