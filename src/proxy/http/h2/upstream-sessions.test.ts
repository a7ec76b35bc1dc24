import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createSecureContext, type SecureContext } from "node:tls";
import { createServer, type ServerHttp2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { StaticCluster } from "../testing/static-clusters.js";
import { closeUpstreamSessions, h1AgentFor, h2Request } from "./upstream-sessions.js";
import type { UpstreamHost } from "../../contracts.js";
import type { Cluster } from "../../contracts.js";

after(() => closeUpstreamSessions());

/** A cluster whose TLS context can be swapped, as a secret rotation does to a real one. */
function tlsCluster(idleTimeoutMs: number): { cluster: Cluster & { idleTimeoutMs: number }; rotate: () => void } {
  let context: SecureContext = createSecureContext({});
  const base = new StaticCluster("tls", [["127.0.0.1", 1]], { idleTimeoutMs });
  const tls = { get context() { return context; }, matchUriSans: [] as string[] };
  const cluster = Object.assign(Object.create(base) as StaticCluster, { tls, idleTimeoutMs }) as unknown as Cluster & { idleTimeoutMs: number };
  return { cluster, rotate: () => { context = createSecureContext({}); } };
}

test("plaintext agents are shared per idle timeout and carry it as their socket timeout", () => {
  const a = h1AgentFor(new StaticCluster("a", [["127.0.0.1", 1]], { idleTimeoutMs: 300 }));
  const b = h1AgentFor(new StaticCluster("b", [["127.0.0.1", 2]], { idleTimeoutMs: 300 }));
  const never = h1AgentFor(new StaticCluster("c", [["127.0.0.1", 3]], { idleTimeoutMs: 0 }));
  assert.equal(a, b);
  assert.notEqual(a, never);
  assert.equal((a as unknown as { options: { timeout?: number } }).options.timeout, 300);
  assert.equal((never as unknown as { options: { timeout?: number } }).options.timeout, undefined, "0: no idle timeout");
});

test("a TLS cluster's agent is remade when its context rotates or its idle timeout changes", () => {
  const { cluster, rotate } = tlsCluster(300);
  const first = h1AgentFor(cluster);
  assert.equal(h1AgentFor(cluster), first, "reused while nothing changed");
  rotate();
  const rotated = h1AgentFor(cluster);
  assert.notEqual(rotated, first, "a new agent for the rotated context: new connections present the new certificate");
  cluster.idleTimeoutMs = 500;
  assert.notEqual(h1AgentFor(cluster), rotated);
});

test("an HTTP/2 session stays open while a quiet stream outlasts the idle timeout, and closes once idle", async () => {
  const IDLE_MS = 200;
  const sessions: { session: ServerHttp2Session; closedAt?: number }[] = [];
  const server = createServer();
  server.on("session", (session) => {
    const entry: { session: ServerHttp2Session; closedAt?: number } = { session };
    sessions.push(entry);
    session.on("close", () => { entry.closedAt = Date.now(); });
  });
  // /slow answers after three idle timeouts without a frame in between.
  server.on("stream", (stream, headers) => {
    const answer = (): void => { if (!stream.destroyed) { stream.respond({ ":status": 200 }); stream.end(String(headers[":path"])); } };
    if (headers[":path"] === "/slow") setTimeout(answer, IDLE_MS * 3); else answer();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  try {
    const cluster = new StaticCluster("h2", [["127.0.0.1", (server.address() as AddressInfo).port]], { http2: true, idleTimeoutMs: IDLE_MS });
    const host = cluster.hosts[0] as UpstreamHost;
    const get = (path: string): Promise<string> => new Promise((resolve, reject) => {
      const req = h2Request(cluster, host, { ":path": path }, { endStream: true });
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (d: string) => { body += d; });
      req.on("end", () => resolve(body));
      req.on("error", reject);
    });
    assert.equal(await get("/slow"), "/slow");
    assert.equal(await get("/next"), "/next");
    assert.equal(sessions.length, 1, "the next request went on the same session");
    const idleFrom = Date.now();
    for (let i = 0; i < 100 && sessions[0]?.closedAt === undefined; i++) await new Promise((r) => setTimeout(r, 20));
    const closedAt = sessions[0]?.closedAt;
    assert.ok(closedAt !== undefined, "closed once idle");
    assert.ok(closedAt - idleFrom >= IDLE_MS - 50, `closed after ${closedAt - idleFrom} ms idle`);
  } finally {
    closeUpstreamSessions();
    for (const { session } of sessions) session.destroy();
    await new Promise((r) => server.close(r));
  }
});
