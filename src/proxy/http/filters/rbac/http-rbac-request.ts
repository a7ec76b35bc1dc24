// Builds the RbacRequest view of an HTTP request from the stream and its connection.
import type { HttpStream } from "../http-filter.js";
import { metadataOf } from "./dynamic-metadata.js";
import type { RbacRequest } from "./rbac-request.js";

const NO_SANS: readonly string[] = [];

/** Envoy with xff_num_trusted_hops 0 and use_remote_address off: the last x-forwarded-for hop. */
function remoteFromXff(xff: string | undefined, direct: string): string {
  if (xff === undefined) return direct;
  const last = xff.slice(xff.lastIndexOf(",") + 1).trim();
  return last === "" ? direct : last;
}

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
    remoteIp: remoteFromXff(ex.headers.get("x-forwarded-for"), direct),
    destinationIp: c?.destinationAddress ?? "",
    destinationPort: c?.destinationPort ?? 0,
    peerUriSans: sans,
    authenticated: sans.length > 0,
    sni: c?.tls?.sni ?? "",
    metadata: metadataOf(ex),
  };
}
