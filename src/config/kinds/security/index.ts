import type { KindDefinition } from "../../kind.js";
import { authorizationPolicyKind } from "./authorization-policy.js";
import { peerAuthenticationKind } from "./peer-authentication.js";
import { requestAuthenticationKind } from "./request-authentication.js";

export type { AuthorizationPolicy, AuthorizationPolicySpec, AuthorizationRule, AuthorizationSource, AuthorizationOperation, AuthorizationCondition } from "./authorization-policy.js";
export type { PeerAuthentication, PeerAuthenticationSpec, MtlsMode } from "./peer-authentication.js";
export type { RequestAuthentication, RequestAuthenticationSpec, JwtRule } from "./request-authentication.js";
export type { PolicyTargetReference, WorkloadSelector } from "./policy-target.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind has its own body type
export const securityKinds: KindDefinition<any>[] = [peerAuthenticationKind, authorizationPolicyKind, requestAuthenticationKind];
