// Upstream connections for streams the proxy forwards over HTTP/2 (clusters with http2) or,
// from HTTP/2 clients to HTTP/1.1 upstreams, through keep-alive node:http agents.
import type { ClientHttp2Session } from "node:http2";
import { Agent as HttpAgent } from "node:http";
import type { Agent as HttpsAgent } from "node:https";
import type { Cluster, UpstreamHost } from "../../contracts.js";
import { uriSanChecker } from "./secure-naming.js";
import { nodeHttp2, nodeHttps, nodeTls } from "../../lazy-builtins.js";

const sessions = new Map<UpstreamHost, ClientHttp2Session>();
const all = new Set<ClientHttp2Session>();

/** A live HTTP/2 session to `host`, opened on first use and dropped when it closes. */
export function h2SessionFor(cluster: Cluster, host: UpstreamHost): ClientHttp2Session {
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
      }),
    })
    : nodeHttp2().connect(authority);
  all.add(s);
  s.on("error", () => s.destroy());
  s.on("goaway", () => { if (sessions.get(host) === s) sessions.delete(host); });
  s.on("close", () => { all.delete(s); if (sessions.get(host) === s) sessions.delete(host); });
  // The cluster's idle_timeout, counted by node:http2 as time without frames; close() lets open
  // streams finish and keeps new ones off this session.
  s.setTimeout(cluster.idleTimeoutMs, () => s.close());
  sessions.set(host, s);
  return s;
}

const httpAgent = new HttpAgent({ keepAlive: true, maxFreeSockets: 256 });
const httpsAgents = new WeakMap<Cluster, HttpsAgent>();

export function h1AgentFor(cluster: Cluster): HttpAgent {
  if (!cluster.tls) return httpAgent;
  let a = httpsAgents.get(cluster);
  if (a === undefined) {
    const alpn = cluster.tls.alpn?.includes("istio") === true ? { ALPNProtocols: ["istio-http/1.1", "istio"] } : {}; // mesh mTLS: Istio's ALPN
    a = new (nodeHttps().Agent)({ ...alpn, keepAlive: true, secureContext: cluster.tls.context, servername: cluster.tls.sni, rejectUnauthorized: true, checkServerIdentity: uriSanChecker(cluster.name, cluster.tls) });
    httpsAgents.set(cluster, a);
  }
  return a;
}

export function closeUpstreamSessions(): void {
  for (const s of all) s.destroy();
  all.clear();
  sessions.clear();
  httpAgent.destroy();
}
