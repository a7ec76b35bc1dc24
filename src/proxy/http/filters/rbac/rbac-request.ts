// What RBAC sees of a request or connection: the attributes Envoy's RBAC permissions and
// principals match on. The HTTP filter and the network filter each fill one per evaluation.
import type { HeaderSource } from "../../../router/request-view.js";

/** Dynamic metadata by filter namespace (e.g. `istio_authn`, `envoy.filters.http.jwt_authn`). */
export type DynamicMetadata = ReadonlyMap<string, Readonly<Record<string, unknown>>>;

export interface RbacRequest {
  /** null for a TCP connection: HTTP-only permissions and principals never match it. */
  readonly headers: HeaderSource | null;
  readonly method: string;
  /** :path including the query string. */
  readonly path: string;
  readonly authority: string;
  readonly directRemoteIp: string;
  /** The client address after x-forwarded-for (the last hop), else the direct peer. */
  readonly remoteIp: string;
  readonly destinationIp: string;
  readonly destinationPort: number;
  /** URI SANs of the verified peer certificate (empty when plaintext or no client cert). */
  readonly peerUriSans: readonly string[];
  /** Whether the connection was TLS with a verified peer certificate. */
  readonly authenticated: boolean;
  readonly sni: string;
  readonly metadata: DynamicMetadata;
}

/** A header as RBAC matchers see it: the pseudo headers map to the request line. */
export function rbacHeader(req: RbacRequest, name: string): string | undefined {
  if (req.headers === null) return undefined;
  if (name === ":method") return req.method;
  if (name === ":path") return req.path;
  if (name === ":authority" || name === "host") return req.authority;
  return req.headers.get(name);
}
