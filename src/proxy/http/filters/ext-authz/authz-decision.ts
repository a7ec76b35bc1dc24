// What an authorization service answered, whichever protocol asked it.
export type AuthzDecision =
  | { readonly kind: "allow"; readonly upstreamHeaders: readonly (readonly [string, string])[]; readonly removeHeaders: readonly string[]; readonly clientHeaders: readonly (readonly [string, string])[] }
  | { readonly kind: "deny"; readonly status: number; readonly body: string; readonly headers: readonly (readonly [string, string])[] }
  | { readonly kind: "error"; readonly why: string };

/** The request facts sent to the authorizer. */
export interface CheckInput {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly scheme: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly sourceAddress: string;
  readonly sourcePort: number;
  readonly sourcePrincipal: string;
  readonly destinationAddress: string;
  readonly destinationPort: number;
  /** The proxy's own SPIFFE ID on an mTLS connection, else "". */
  readonly destinationPrincipal: string;
}
