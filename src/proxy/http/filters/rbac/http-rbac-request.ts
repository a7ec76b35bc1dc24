// Builds the RbacRequest view of an HTTP request from the stream and its connection.
import type { HttpStream } from "../http-filter.js";
import { metadataOf } from "./dynamic-metadata.js";
import type { RbacRequest } from "./rbac-request.js";

const NO_SANS: readonly string[] = [];

export function httpRbacRequest(ex: HttpStream): RbacRequest {
  const c = ex.connection;
  const direct = c?.remoteAddress ?? ex.record.downstreamRemoteAddress;
  const sans = c?.tls?.peerUriSans ?? NO_SANS;
  return {
    headers: ex.headers,
    method: ex.method,
    path: ex.record.path,
    authority: ex.record.authority,
    directRemoteIp: direct,
    // The exchange's trusted client address: x-forwarded-for read as use_remote_address and
    // xff_num_trusted_hops say (trusted-client-address.ts).
    remoteIp: ex.record.downstreamRemoteAddress || direct,
    destinationIp: c?.destinationAddress ?? "",
    destinationPort: c?.destinationPort ?? 0,
    peerUriSans: sans,
    authenticated: sans.length > 0,
    sni: c?.tls?.sni ?? "",
    metadata: metadataOf(ex),
  };
}
