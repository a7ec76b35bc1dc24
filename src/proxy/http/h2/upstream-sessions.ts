// Upstream connections for streams the proxy forwards over HTTP/2 (clusters with http2) or,
// from HTTP/2 clients to HTTP/1.1 upstreams, through keep-alive node:http agents.
import type { ClientHttp2Session, ClientHttp2Stream, ClientSessionRequestOptions, OutgoingHttpHeaders } from "node:http2";
import type { SecureContext } from "node:tls";
import { Agent as HttpAgent } from "node:http";
import { connect as netConnect } from "node:net";
import type { Cluster, UpstreamHost } from "../../contracts.js";
import { uriSanChecker } from "./secure-naming.js";
import { nodeHttp2, nodeHttps, nodeTls } from "../../lazy-builtins.js";

const sessions = new Map<UpstreamHost, ClientHttp2Session>();
const all = new Set<ClientHttp2Session>();
/** Streams open on each session, for its idle timeout (Envoy's: time without active requests). */
const openStreams = new WeakMap<ClientHttp2Session, number>();

/** A request on the live session to `host` (opened on first use), counted while its stream is open. */
export function h2Request(cluster: Cluster, host: UpstreamHost, headers: OutgoingHttpHeaders, options: ClientSessionRequestOptions): ClientHttp2Stream {
  const s = h2SessionFor(cluster, host);
  const stream = s.request(headers, options);
  openStreams.set(s, (openStreams.get(s) ?? 0) + 1);
  stream.once("close", () => openStreams.set(s, (openStreams.get(s) ?? 1) - 1));
  return stream;
}

/** A live HTTP/2 session to `host`, opened on first use and dropped when it closes. */
function h2SessionFor(cluster: Cluster, host: UpstreamHost): ClientHttp2Session {
  const existing = sessions.get(host);
  if (existing !== undefined && !existing.closed && !existing.destroyed) return existing;
  // transport_socket_matches (auto mTLS) may give this host its own TLS, or plaintext (null).
  const tls = host.tls === undefined ? cluster.tls : host.tls ?? undefined;
  const authority = `${tls ? "https" : "http"}://${host.address}:${host.port}`;
  const s = tls
    ? nodeHttp2().connect(authority, {
      createConnection: () => nodeTls().connect({
        host: host.address, port: host.port, secureContext: tls.context, servername: tls.sni,
        ALPNProtocols: tls.alpn?.includes("istio") === true ? ["istio-h2", "istio"] : ["h2"], rejectUnauthorized: true, // mesh mTLS: Istio's ALPN
        checkServerIdentity: uriSanChecker(cluster.name, tls, `${host.address}:${host.port}`),
      }).setNoDelay(true), // tls.connect ignores a noDelay option
    })
    : nodeHttp2().connect(authority, { createConnection: () => netConnect({ host: host.address, port: host.port, noDelay: true }) });
  all.add(s);
  s.on("error", () => s.destroy());
  s.on("goaway", () => { if (sessions.get(host) === s) sessions.delete(host); });
  s.on("close", () => { all.delete(s); if (sessions.get(host) === s) sessions.delete(host); });
  // The cluster's idle_timeout. node:http2 counts time without frames and re-arms on the next
  // one; a quiet stream still open keeps the session. A listener of its own: setTimeout's
  // callback is called once only.
  s.setTimeout(cluster.idleTimeoutMs);
  s.on("timeout", () => { if ((openStreams.get(s) ?? 0) === 0) s.close(); });
  sessions.set(host, s);
  return s;
}

/**
 * Keep-alive agents whose idle sockets close after the cluster's idle_timeout (Node's agent
 * `timeout` reaches free sockets; on a socket in use it only emits 'timeout', which nothing here
 * listens to). Plaintext agents are shared by clusters with the same timeout; TLS agents are per
 * cluster (its secure naming), remade when its timeout or its SecureContext changes: the context
 * is rebuilt when a secret rotates, and an agent holds the one it was made with.
 */
const plainAgents = new Map<number, HttpAgent>();
const tlsAgents = new WeakMap<Cluster, { agent: HttpAgent; idleTimeoutMs: number; context: SecureContext }>();

export function h1AgentFor(cluster: Cluster): HttpAgent {
  const idleTimeoutMs = cluster.idleTimeoutMs;
  const idle = idleTimeoutMs > 0 ? { timeout: idleTimeoutMs } : {};
  if (!cluster.tls) {
    let a = plainAgents.get(idleTimeoutMs);
    if (a === undefined) {
      a = new HttpAgent({ keepAlive: true, maxFreeSockets: 256, ...idle });
      plainAgents.set(idleTimeoutMs, a);
    }
    return a;
  }
  const context = cluster.tls.context;
  const known = tlsAgents.get(cluster);
  if (known !== undefined && known.idleTimeoutMs === idleTimeoutMs && known.context === context) return known.agent;
  const alpn = cluster.tls.alpn?.includes("istio") === true ? { ALPNProtocols: ["istio-http/1.1", "istio"] } : {}; // mesh mTLS: Istio's ALPN
  const agent = new (nodeHttps().Agent)({ ...alpn, ...idle, keepAlive: true, secureContext: context, servername: cluster.tls.sni, rejectUnauthorized: true, checkServerIdentity: uriSanChecker(cluster.name, cluster.tls) });
  tlsAgents.set(cluster, { agent, idleTimeoutMs, context });
  return agent;
}

export function closeUpstreamSessions(): void {
  for (const s of all) s.destroy();
  all.clear();
  sessions.clear();
  for (const a of plainAgents.values()) a.destroy();
  plainAgents.clear();
}
