// Shared fixtures for the security tests: an echoing upstream, a connection manager with a given
// filter list on a real socket, an HTTP client, and JWT signing keys.
import { createServer, request, Agent, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { HttpConnectionManager } from "../src/proxy/http/http-connection-manager.js";
import { compileHcmConfig } from "../src/proxy/http/hcm-config.js";
import { H1ConnectionPool } from "../src/proxy/http/upstream/connection-pool.js";
import { StaticCluster, StaticClusterRegistry } from "../src/proxy/http/testing/static-clusters.js";
import { serveNetworkFilter, type ServedFilter } from "../src/proxy/http/testing/serve-hcm.js";
import "../src/proxy/http/filters/builtin.js";

export function listen(s: Server): Promise<number> {
  return new Promise((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));
}

export function closeServer(s: Server): Promise<void> {
  s.closeAllConnections();
  return new Promise((r) => s.close(() => r()));
}

/** Answers every request with the headers it received, as JSON. */
export async function echoUpstream(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    let size = 0;
    req.on("data", (c: Buffer) => { size += c.length; });
    req.on("end", () => { res.setHeader("content-type", "application/json"); res.end(JSON.stringify({ ...req.headers, "x-body-length": String(size) })); });
  });
  return { server, port: await listen(server) };
}

export interface Proxy { served: ServedFilter; pool: H1ConnectionPool; close(): Promise<void> }

/** A connection manager with `filters` before the router, routing everything (after `routes`) to the upstream. */
export function securedHcm(upstreamPort: number, filters: readonly Record<string, unknown>[], routes: readonly Record<string, unknown>[] = []): { hcm: HttpConnectionManager; pool: H1ConnectionPool } {
  const clusters = new StaticClusterRegistry([new StaticCluster("web", [["127.0.0.1", upstreamPort]])]);
  const pool = new H1ConnectionPool();
  const config = compileHcmConfig({
    stat_prefix: "inbound",
    route_config: { name: "inbound", virtual_hosts: [{ name: "all", domains: ["*"], routes: [...routes, { name: "default", match: { prefix: "/" }, route: { cluster: "web" } }] }] },
    http_filters: [...filters, { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
  });
  return { hcm: new HttpConnectionManager(config, { nodeId: "test", clusters }, { pool }), pool };
}

export async function startProxy(upstreamPort: number, filters: readonly Record<string, unknown>[], routes: readonly Record<string, unknown>[] = []): Promise<Proxy> {
  const { hcm, pool } = securedHcm(upstreamPort, filters, routes);
  const served = await serveNetworkFilter(hcm);
  return { served, pool, close: async () => { await served.close(); pool.closeAll(); } };
}

export interface Res { status: number; headers: Record<string, string | string[] | undefined>; body: string }

const agent = new Agent({ keepAlive: false });

export function get(port: number, path: string, headers: Record<string, string> = {}, method = "GET"): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, agent, headers: { host: "httpbin.foo", ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

export function post(port: number, path: string, body: string, headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "POST", agent, headers: { host: "httpbin.foo", "content-length": String(Buffer.byteLength(body)), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

export interface SigningKey { kid: string; privateKey: CryptoKey; jwk: JWK }

export async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return { kid, privateKey, jwk };
}

export const ISSUER = "testing@secure.istio.io";

export function token(key: SigningKey, claims: Record<string, unknown> = {}, opts: { exp?: string | number; aud?: string; iss?: string } = {}): Promise<string> {
  return new SignJWT({ sub: ISSUER, ...claims })
    .setProtectedHeader({ alg: "RS256", kid: key.kid })
    .setIssuer(opts.iss ?? ISSUER)
    .setIssuedAt()
    .setAudience(opts.aud ?? "httpbin")
    .setExpirationTime(opts.exp ?? "1h")
    .sign(key.privateKey);
}
