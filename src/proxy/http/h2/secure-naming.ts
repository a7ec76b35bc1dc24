// Secure naming for the HTTP/2 path's upstream TLS (h2 sessions and the node:https agents): the
// server's certificate must carry one of the cluster's expected URI SANs (SPIFFE ids), as the
// HTTP/1.1 fast path checks. DNS names are not checked (Envoy's match_subject_alt_names only).
import type { PeerCertificate } from "node:tls";
import { MizzenError } from "../../../errors.js";
import type { Cluster } from "../../contracts.js";
import { logger } from "../../server/logger.js";

type UpstreamTls = NonNullable<Cluster["tls"]>;

/** The URI SANs a certificate presents ("URI:a, DNS:b" → ["a"]). */
export function presentedUriSans(cert: PeerCertificate | undefined): string[] {
  const san = cert?.subjectaltname ?? "";
  const out: string[] = [];
  for (const e of san.split(", ")) if (e.startsWith("URI:")) out.push(e.slice(4));
  return out;
}

/**
 * A tls.connect checkServerIdentity that accepts a peer presenting one of `tls.matchUriSans`
 * (any verified peer when the list is empty) and otherwise fails the handshake (the request
 * then ends as 503 UF) after logging both identities.
 */
export function uriSanChecker(clusterName: string, tls: UpstreamTls, address?: string): (host: string, cert: PeerCertificate) => Error | undefined {
  const want = tls.matchUriSans;
  return (servername, cert) => {
    const host = address ?? servername;
    if (want.length === 0) return undefined;
    const got = presentedUriSans(cert);
    if (got.some((u) => want.includes(u))) return undefined;
    logger.warn(`upstream ${clusterName} ${host}: TLS SAN mismatch (UF): expected one of [${want.join(", ")}], peer presented [${got.join(", ")}]`);
    return new MizzenError("MIZZEN_ERR_UPSTREAM_SAN_MISMATCH", `upstream ${host} in cluster ${clusterName} presented [${got.join(", ")}], expected one of [${want.join(", ")}]`);
  };
}
