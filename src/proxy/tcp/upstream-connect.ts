// Opens one upstream connection (plain or TLS per the cluster) with the cluster's connect timeout.
import { connect as netConnect, type Socket } from "node:net";
import type { Cluster, UpstreamHost } from "../contracts.js";
import { parseSubjectAltNames } from "../tls/validation.js";
import { nodeTls } from "../lazy-builtins.js";

export type ConnectResult = { ok: true; socket: Socket } | { ok: false; reason: "connect-failure" | "timeout" | "tls" };

export function connectUpstream(cluster: Cluster, host: UpstreamHost, done: (r: ConnectResult) => void): Socket {
  // transport_socket_matches (auto mTLS) may give this host its own TLS, or plaintext (null).
  const tls = host.tls === undefined ? cluster.tls : host.tls ?? undefined;
  const socket: Socket = tls
    ? nodeTls().connect({
        host: host.address, port: host.port, secureContext: tls.context,
        ...(tls.sni !== undefined ? { servername: tls.sni } : {}),
        ...(tls.alpn ? { ALPNProtocols: [...tls.alpn] } : {}),
        // Secure naming: the peer's URI SAN must be one of the expected identities.
        checkServerIdentity: (_host, cert) => {
          if (tls.matchUriSans.length === 0) return undefined;
          const uris = parseSubjectAltNames(cert.subjectaltname).filter((s) => s.type === "URI").map((s) => s.value);
          return uris.some((u) => tls.matchUriSans.includes(u)) ? undefined : new Error(`upstream URI SANs [${uris.join(", ")}] do not match`);
        },
      })
    : netConnect({ host: host.address, port: host.port, allowHalfOpen: true });
  // As Envoy does on every connection. (tls.connect ignores a noDelay option: it must be a call.)
  socket.setNoDelay(true);
  let finished = false;
  const finish = (r: ConnectResult): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.removeListener("error", onError);
    if (!r.ok) socket.destroy();
    done(r);
  };
  const onError = (): void => finish({ ok: false, reason: tls ? "tls" : "connect-failure" });
  const timer = setTimeout(() => finish({ ok: false, reason: "timeout" }), cluster.connectTimeoutMs > 0 ? cluster.connectTimeoutMs : 10_000);
  socket.once("error", onError);
  socket.once(tls ? "secureConnect" : "connect", () => finish({ ok: true, socket }));
  return socket;
}
