// Istio's TCP metrics from the TCP proxy's connection records. The peer's workload labels come
// from the TCP metadata exchange (istio.metadata_exchange, over mTLS with ALPN
// istio-peer-exchange) and are "unknown" without it; the reporter comes from the stat prefix /
// cluster (inbound → destination), the destination service from Istio's cluster name, and the
// peer principal from mTLS when known. Opened connections are counted when the connection is
// established (the TCP proxy reports the record then), the rest when it closes.
import type { TcpConnectionRecord } from "../../proxy/tcp/access-log.js";
import { TcpPeerExchange } from "../metadata/metadata-exchange-filter.js";
import { UNKNOWN, spiffePrincipal, type WorkloadMetadata } from "../metadata/workload-metadata.js";
import { getProxyTelemetry, type ProxyTelemetry } from "../proxy-telemetry.js";
import { destinationService } from "./destination-service.js";

export function tcpLabels(r: TcpConnectionRecord, t: ProxyTelemetry, peerPrincipal = UNKNOWN): string[] {
  const inbound = r.statPrefix.startsWith("inbound") || r.cluster.startsWith("inbound|");
  const self = t.node;
  const ex = r.peerExchange;
  const peer: WorkloadMetadata | null = ex instanceof TcpPeerExchange ? ex.peer : null;
  const src = inbound ? peer : self;
  const dst = inbound ? self : peer;
  const svc = destinationService(r.cluster, "", self.namespace);
  const selfPrincipal = spiffePrincipal(self, t.trustDomain);
  const mtls = peerPrincipal !== UNKNOWN;
  // Outbound: the server's principal is the one its metadata names when it was exchanged over mTLS.
  const dstPrincipal = inbound ? (mtls ? selfPrincipal : UNKNOWN) : (peer !== null ? spiffePrincipal(peer, t.trustDomain) : UNKNOWN);
  return [
    inbound ? "destination" : "source",
    src?.workload ?? UNKNOWN, src?.canonicalService ?? UNKNOWN, src?.canonicalRevision ?? UNKNOWN, src?.namespace ?? UNKNOWN,
    inbound ? peerPrincipal : selfPrincipal, src?.app ?? UNKNOWN, src?.version ?? UNKNOWN, src?.cluster ?? UNKNOWN,
    dst?.workload ?? UNKNOWN, dst?.namespace ?? UNKNOWN, dstPrincipal,
    dst?.app ?? UNKNOWN, dst?.version ?? UNKNOWN,
    svc.host, dst?.canonicalService ?? UNKNOWN, dst?.canonicalRevision ?? UNKNOWN,
    svc.name, svc.namespace, dst?.cluster ?? UNKNOWN,
    "tcp", r.flagString(), inbound ? (mtls ? "mutual_tls" : "none") : "unknown",
  ];
}

/**
 * Records a TCP proxy connection record: the first call for an open connection counts it as
 * opened; the call after it closed counts it closed (and opened, if it never got that far) and
 * adds its bytes.
 */
export function recordTcpTelemetry(r: TcpConnectionRecord, t: ProxyTelemetry | null = getProxyTelemetry(), peerPrincipal?: string): void {
  if (t === null) return;
  const m = t.metrics;
  const l = tcpLabels(r, t, peerPrincipal);
  if (!r.openReported) {
    r.openReported = true;
    m.tcpOpened.inc(l);
  }
  if (r.open) return;
  m.tcpClosed.inc(l);
  if (r.bytesReceived > 0) m.tcpReceived.inc(l, r.bytesReceived);
  if (r.bytesSent > 0) m.tcpSent.inc(l, r.bytesSent);
}
