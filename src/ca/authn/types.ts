// What an authenticator sees of a CSR call and what it proves about the caller.
export interface AuthnRequest {
  /** gRPC metadata, keys lower-case, values as sent. */
  readonly metadata: ReadonlyMap<string, readonly string[]>;
  /** The peer address, for logs only. */
  readonly peer: string;
}

export interface Caller {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The pod the credential was bound to, when the credential says so. */
  readonly podName?: string;
  /** The authenticator that proved it. */
  readonly authenticator: string;
}

export interface Authenticator {
  readonly name: string;
  /**
   * The caller this request proves, `undefined` when the request carries no credential of this
   * kind, or throws MizzenError (MIZZEN_ERR_AUTHN_…) when it carries one that is not valid.
   */
  authenticate(req: AuthnRequest): Promise<Caller | undefined>;
}

/** The bearer token of `authorization: Bearer <token>`, if any. */
export function bearerToken(req: AuthnRequest): string | undefined {
  for (const v of req.metadata.get("authorization") ?? []) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(v);
    if (m?.[1]) return m[1];
  }
  return undefined;
}
