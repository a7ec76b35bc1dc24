import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createSecureContext, type SecureContext } from "node:tls";
import { StaticCluster } from "../testing/static-clusters.js";
import { closeUpstreamSessions, h1AgentFor } from "./upstream-sessions.js";
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
