// TCP AuthorizationPolicy (Istio's tcp-echo task): translated network RBAC filters placed before a
// terminal filter on a real listening socket; a denied connection is closed before any byte.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect, type Server, type Socket, type AddressInfo } from "node:net";
import type { ConnectionInfo, NetworkFilter } from "../src/proxy/contracts.js";
import { networkRbacFactory } from "../src/proxy/network-filters/rbac/network-rbac.js";
import { authorizationFilters } from "../src/pilot/security/index.js";
import { assertValidEnvoy, policy } from "../src/pilot/security/testing/authz-harness.js";

const servers: Server[] = [];
after(async () => { for (const s of servers) await new Promise((r) => s.close(r)); });

/** The terminal filter: answers "hello port <n>" like tcp-echo. */
const echo: NetworkFilter = {
  onConnection(c: ConnectionInfo): void {
    c.socket.on("data", (d: Buffer) => c.socket.end(`hello port ${c.destinationPort} ${d.toString()}`));
  },
  drain(): void { /* no state */ },
};

/** Listens on two ports and runs the chain as the listener does: in order, stopping once the socket is gone. */
async function serveChain(chain: NetworkFilter[]): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < 2; i++) {
    const server = createServer((socket) => {
      socket.on("error", () => socket.destroy());
      const info: ConnectionInfo = { socket, remoteAddress: socket.remoteAddress ?? "", remotePort: socket.remotePort ?? 0,
        destinationAddress: socket.localAddress ?? "", destinationPort: socket.localPort ?? 0, listenerName: "tcp", filterChainName: "" };
      for (const f of chain) { if (socket.destroyed) return; f.onConnection(info); }
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    ports.push((server.address() as AddressInfo).port);
  }
  return ports;
}

function talk(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s: Socket = connect(port, "127.0.0.1");
    let got = "";
    s.on("data", (d: Buffer) => { got += d.toString(); });
    s.on("error", () => resolve("closed"));
    s.on("close", () => resolve(got === "" ? "closed" : got));
    s.write("ping");
  });
}

test("tcp-echo: ALLOW on ports admits those ports; a rule with methods is dropped; DENY with methods denies the port", async () => {
  const w = { namespace: "foo", labels: { app: "tcp-echo" } };
  const sel = { matchLabels: { app: "tcp-echo" } };
  const chainFor = (...ps: ReturnType<typeof policy>[]): NetworkFilter[] => {
    const tcp = authorizationFilters(w, ps, { rootNamespace: "istio-system" }).tcp;
    for (const f of tcp) assertValidEnvoy(f);
    return [...tcp.map((f) => networkRbacFactory.create(f["typed_config"] as Record<string, unknown>, { nodeId: "t", clusters: { get: () => undefined } })), echo];
  };
  const run = async (chain: NetworkFilter[]): Promise<[string, string]> => {
    const [p1, p2] = await serveChain(chain) as [number, number];
    return [await talk(p1), await talk(p2)];
  };
  let pair = await run(chainFor());
  assert.match(pair[0], /^hello port \d+ ping$/);

  const allowFirst = (port: number): ReturnType<typeof policy> => policy("foo", "tcp-policy", { selector: sel, action: "ALLOW", rules: [{ to: [{ operation: { ports: [String(port)] } }] }] });
  const chainPorts = async (mk: (p: number) => ReturnType<typeof policy>): Promise<[string, string]> => {
    // Ports are known only once listening: listen first, then fill the chain naming the first port.
    const holder: NetworkFilter[] = [];
    const [p1, p2] = await serveChain(holder) as [number, number];
    holder.push(...chainFor(mk(p1)));
    return [await talk(p1), await talk(p2)];
  };
  pair = await chainPorts(allowFirst);
  assert.match(pair[0], /^hello port/);
  assert.equal(pair[1], "closed");

  pair = await chainPorts((p) => policy("foo", "tcp-policy", { selector: sel, action: "ALLOW", rules: [{ to: [{ operation: { methods: ["GET"], ports: [String(p)] } }] }] }));
  assert.deepEqual(pair, ["closed", "closed"], "an ALLOW rule with HTTP-only fields never matches TCP");

  pair = await chainPorts((p) => policy("foo", "tcp-policy", { selector: sel, action: "DENY", rules: [{ to: [{ operation: { methods: ["GET"], ports: [String(p)] } }] }] }));
  assert.equal(pair[0], "closed", "a DENY rule ignores HTTP-only fields on TCP and denies the port");
  assert.match(pair[1], /^hello port/);
});

test("network RBAC by source IP and principal; stats counted", async () => {
  const w = { namespace: "foo", labels: { app: "tcp-echo" } };
  const tcp = authorizationFilters(w, [policy("foo", "by-ip", { rules: [{ from: [{ source: { ipBlocks: ["127.0.0.0/8"], notPrincipals: ["*"] } }] }] })], { rootNamespace: "istio-system" }).tcp;
  const counts = new Map<string, number>();
  const stats = { inc: (n: string, by = 1) => counts.set(n, (counts.get(n) ?? 0) + by), set: () => undefined, add: () => undefined };
  const rbac = networkRbacFactory.create(tcp[0]?.["typed_config"] as Record<string, unknown>, { nodeId: "t", clusters: { get: () => undefined }, stats });
  const [p] = await serveChain([rbac, echo]) as [number, number];
  assert.match(await talk(p), /^hello port/, "plaintext loopback client: in the block, no principal");
  assert.equal(counts.get("tcp.rbac.allowed"), 1);
  const onlyOther = authorizationFilters(w, [policy("foo", "by-ip", { rules: [{ from: [{ source: { ipBlocks: ["10.0.0.0/8"] } }] }] })], { rootNamespace: "istio-system" }).tcp;
  const deny = networkRbacFactory.create(onlyOther[0]?.["typed_config"] as Record<string, unknown>, { nodeId: "t", clusters: { get: () => undefined }, stats });
  const [q] = await serveChain([deny, echo]) as [number, number];
  assert.equal(await talk(q), "closed");
  assert.equal(counts.get("tcp.rbac.denied"), 1);
});
