// Istio's TCP metrics from the TCP proxy's connection records. Simplification (documented):
// there is no ALPN-based metadata exchange on raw TCP, so the peer's workload labels are
// "unknown"; the reporter comes from the stat prefix / cluster (inbound → destination), the
// destination service from Istio's cluster name, and the peer principal from mTLS when known.
// Opened and closed connections are both counted when the connection's record completes.
import type { TcpConnectionRecord } from "../../proxy/tcp/access-log.js";
import { UNKNOWN, spiffePrincipal } from "../metadata/workload-metadata.js";
import { getProxyTelemetry, type ProxyTelemetry } from "../proxy-telemetry.js";
import { destinationService } from "./destination-service.js";

export function tcpLabels(r: TcpConnectionRecord, t: ProxyTelemetry, peerPrincipal = UNKNOWN): string[] {
  const inbound = r.statPrefix.startsWith("inbound") || r.cluster.startsWith("inbound|");
  const self = t.node;
  const svc = destinationService(r.cluster, "", self.namespace);
  const selfPrincipal = spiffePrincipal(self, t.trustDomain);
  const mtls = peerPrincipal !== UNKNOWN;
  const me = [self.workload, self.canonicalService, self.canonicalRevision, self.namespace];
  const unknown4 = [UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN];
  const src = inbound ? unknown4 : me;
  return [
    inbound ? "destination" : "source",
    ...src, inbound ? peerPrincipal : selfPrincipal, inbound ? UNKNOWN : self.app, inbound ? UNKNOWN : self.version, inbound ? UNKNOWN : self.cluster,
    inbound ? self.workload : UNKNOWN, inbound ? self.namespace : UNKNOWN, inbound && mtls ? selfPrincipal : UNKNOWN,
    inbound ? self.app : UNKNOWN, inbound ? self.version : UNKNOWN,
    svc.host, inbound ? self.canonicalService : UNKNOWN, inbound ? self.canonicalRevision : UNKNOWN,
    svc.name, svc.namespace, inbound ? self.cluster : UNKNOWN,
    "tcp", r.flagString(), inbound ? (mtls ? "mutual_tls" : "none") : "unknown",
  ];
}

/** Records one finished TCP connection; call from the TCP proxy when its record completes. */
export function recordTcpTelemetry(r: TcpConnectionRecord, t: ProxyTelemetry | null = getProxyTelemetry(), peerPrincipal?: string): void {
  if (t === null) return;
  const m = t.metrics;
  const l = tcpLabels(r, t, peerPrincipal);
  m.tcpOpened.inc(l);
  m.tcpClosed.inc(l);
  if (r.bytesReceived > 0) m.tcpReceived.inc(l, r.bytesReceived);
  if (r.bytesSent > 0) m.tcpSent.inc(l, r.bytesSent);
}
