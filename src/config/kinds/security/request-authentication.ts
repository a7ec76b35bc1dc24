// RequestAuthentication (security.istio.io): which JWTs a workload accepts and where to find them.
import { z } from "zod";
import { checkIstioDuration, duration, strict } from "../../schema/index.js";
import type { KindDefinition, ValidationContext } from "../../kind.js";
import type { Resource } from "../../resource.js";
import { policyTargetFields, validatePolicyTarget } from "./policy-target.js";
import { checkJwks } from "./jwks.js";
import { nullFieldsAsUnset } from "../core/null-fields.js";

export const jwtRule = strict({
  issuer: z.string().optional(),
  audiences: z.array(z.string()).optional(),
  jwksUri: z.string().max(2048, "jwksUri must be at most 2048 characters").optional(),
  /** The proto field name, still accepted by Istio's CRD; jwksUri is preferred. */
  jwks_uri: z.string().max(2048, "jwks_uri must be at most 2048 characters").optional(),
  jwks: z.string().optional(),
  fromHeaders: z.array(strict({ name: z.string(), prefix: z.string().optional() })).optional(),
  fromParams: z.array(z.string()).optional(),
  fromCookies: z.array(z.string()).optional(),
  outputPayloadToHeader: z.string().optional(),
  forwardOriginalToken: z.boolean().optional(),
  outputClaimToHeaders: z.array(strict({ header: z.string(), claim: z.string() })).optional(),
  timeout: duration.optional(),
  spaceDelimitedClaims: z.array(z.string()).max(64, "at most 64 spaceDelimitedClaims").optional(),
  presence: z.enum(["OPTIONAL", "REQUIRED"], { error: "presence must be one of OPTIONAL, REQUIRED" }).optional(),
});
export type JwtRule = z.infer<typeof jwtRule>;

export const requestAuthenticationSpec = strict({
  ...policyTargetFields,
  jwtRules: z.array(jwtRule).max(4096, "at most 4096 jwtRules").optional(),
});
export type RequestAuthenticationSpec = z.infer<typeof requestAuthenticationSpec>;

const body = strict({ spec: requestAuthenticationSpec.default({}), status: z.unknown().optional() });
export type RequestAuthenticationBody = z.infer<typeof body>;
export type RequestAuthentication = Resource<RequestAuthenticationBody>;

/** Header names Istio accepts for outputs it writes (validStrictHeaderNameRegex). */
const strictHeaderName = /^[-_A-Za-z0-9]+$/;

function checkJwksUri(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `jwksUri "${uri}" is not a valid URL`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `jwksUri scheme "${url.protocol.slice(0, -1)}" is not supported: use http or https`;
  if (url.hostname === "") return `jwksUri "${uri}" has no host`;
  return undefined;
}

function validateJwtRule(rule: JwtRule, p: string, ctx: ValidationContext): void {
  if (!rule.issuer) ctx.error(`${p}.issuer`, "issuer must be set");
  rule.audiences?.forEach((a, i) => {
    if (a === "") ctx.error(`${p}.audiences[${i}]`, "audience must be a non-empty string");
  });
  const uriFields = (["jwksUri", "jwks_uri"] as const).filter((f) => rule[f] !== undefined);
  if (uriFields.length + (rule.jwks !== undefined ? 1 : 0) > 1) ctx.error(p, `only one of jwksUri and jwks may be set (found ${[...uriFields, ...(rule.jwks !== undefined ? ["jwks"] : [])].join(", ")})`);
  for (const f of uriFields) {
    const err = checkJwksUri(rule[f] ?? "");
    if (err) ctx.error(`${p}.${f}`, err);
  }
  if (rule.jwks_uri !== undefined) ctx.warn(`${p}.jwks_uri`, "jwks_uri is deprecated: use jwksUri");
  if (rule.jwks) {
    const check = checkJwks(rule.jwks);
    if (check.error) ctx.error(`${p}.jwks`, check.error);
    for (const i of check.privateKeys) {
      ctx.warn(`${p}.jwks`, `jwks key at index ${i} contains private key material; only public keys are used for verification`);
    }
  }
  rule.fromHeaders?.forEach((h, i) => {
    if (h.name === "") ctx.error(`${p}.fromHeaders[${i}].name`, "location header name must be a non-empty string");
    else if (!/^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/.test(h.name)) ctx.error(`${p}.fromHeaders[${i}].name`, `header name "${h.name}" is not a valid header name`);
  });
  rule.fromParams?.forEach((q, i) => {
    if (q === "") ctx.error(`${p}.fromParams[${i}]`, "location query must be a non-empty string");
  });
  rule.spaceDelimitedClaims?.forEach((c, i) => {
    if (c === "") ctx.error(`${p}.spaceDelimitedClaims[${i}]`, "claim name must be a non-empty string");
  });
  rule.fromCookies?.forEach((c, i) => {
    if (c === "") ctx.error(`${p}.fromCookies[${i}]`, "cookie name must be a non-empty string");
  });
  if (rule.outputPayloadToHeader !== undefined && rule.outputPayloadToHeader !== "" && !strictHeaderName.test(rule.outputPayloadToHeader)) {
    ctx.error(`${p}.outputPayloadToHeader`, `header name "${rule.outputPayloadToHeader}" is not a valid header name`);
  }
  rule.outputClaimToHeaders?.forEach((c, i) => {
    const cp = `${p}.outputClaimToHeaders[${i}]`;
    if (c.header === "" || c.claim === "") return ctx.error(cp, "outputClaimToHeaders header and claim value must be non-empty strings");
    if (!strictHeaderName.test(c.header)) ctx.error(`${cp}.header`, `header name "${c.header}" is not a valid header name`);
  });
  if (rule.timeout !== undefined) {
    const err = checkIstioDuration(rule.timeout);
    if (err) ctx.error(`${p}.timeout`, err);
  }
}

function validate({ spec }: RequestAuthenticationBody, ctx: ValidationContext): void {
  validatePolicyTarget(spec, ctx);
  spec.jwtRules?.forEach((r, i) => validateJwtRule(r, `spec.jwtRules[${i}]`, ctx));
  const issuers = new Map<string, number>();
  spec.jwtRules?.forEach((r, i) => {
    if (!r.issuer) return;
    const first = issuers.get(r.issuer);
    if (first !== undefined) ctx.warn(`spec.jwtRules[${i}].issuer`, `issuer "${r.issuer}" is also used by jwtRules[${first}]`);
    else issuers.set(r.issuer, i);
  });
}

export const requestAuthenticationKind: KindDefinition<RequestAuthenticationBody> = {
  group: "security.istio.io",
  versions: ["v1", "v1beta1"],
  kind: "RequestAuthentication",
  namespaced: true,
  schema: nullFieldsAsUnset(body),
  validate,
};
