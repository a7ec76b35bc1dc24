// RequestAuthentication (security.istio.io): which JWTs a workload accepts and where to find them.
import { z } from "zod";
import { checkIstioDuration, duration, strict } from "../../schema/index.js";
import type { KindDefinition, ValidationContext } from "../../kind.js";
import type { Resource } from "../../resource.js";
import { policyTargetFields, validatePolicyTarget } from "./policy-target.js";
import { checkJwks } from "./jwks.js";

export const jwtRule = strict({
  issuer: z.string().optional(),
  audiences: z.array(z.string()).optional(),
  jwksUri: z.string().optional(),
  jwks: z.string().optional(),
  fromHeaders: z.array(strict({ name: z.string(), prefix: z.string().optional() })).optional(),
  fromParams: z.array(z.string()).optional(),
  fromCookies: z.array(z.string()).optional(),
  outputPayloadToHeader: z.string().optional(),
  forwardOriginalToken: z.boolean().optional(),
  outputClaimToHeaders: z.array(strict({ header: z.string(), claim: z.string() })).optional(),
  timeout: duration.optional(),
  spaceDelimitedClaims: z.array(z.string()).optional(),
});
export type JwtRule = z.infer<typeof jwtRule>;

export const requestAuthenticationSpec = strict({
  ...policyTargetFields,
  jwtRules: z.array(jwtRule).optional(),
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
  if (rule.jwksUri && rule.jwks) ctx.error(p, "only one of jwksUri and jwks may be set");
  if (rule.jwksUri) {
    const err = checkJwksUri(rule.jwksUri);
    if (err) ctx.error(`${p}.jwksUri`, err);
  }
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
  schema: body,
  validate,
};
