// Shared fixtures for part B's integration tests: a listener manager wired with tcp_proxy and
// static clusters, small upstream servers, and bounded socket helpers. Everything on 127.0.0.1.
import { createServer, connect, type AddressInfo, type Server, type Socket } from "node:net";
import type { EnvoyJson, NetworkFilterFactory } from "../src/proxy/contracts.js";
import { StatsStore } from "../src/proxy/admin/stats.js";
import { NetworkFilterRegistry } from "../src/proxy/listener/filter-registry.js";
import { ListenerManager } from "../src/proxy/listener/listener-manager.js";
import { ClusterManager } from "../src/proxy/upstream/index.js";
import { buildUpstreamTls } from "../src/proxy/tls/upstream.js";
import { TCP_PROXY_TYPE } from "../src/proxy/tcp/config.js";
import { tcpProxyFactory } from "../src/proxy/tcp/tcp-proxy.js";
import { SecretStore } from "../src/proxy/tls/secret-store.js";

export interface Harness {
  readonly manager: ListenerManager;
  readonly clusters: ClusterManager;
  readonly secrets: SecretStore;
  readonly stats: StatsStore;
  addCluster(name: string, ports: number[], extra?: EnvoyJson): void;
  close(): Promise<void>;
}

export function harness(drainTimeMs = 200, factories: NetworkFilterFactory[] = []): Harness {
  const secrets = new SecretStore();
  const clusters = new ClusterManager({ timers: false, tlsBuilder: (json, field) => buildUpstreamTls(json, secrets, field) });
  const stats = new StatsStore();
  const registry = new NetworkFilterRegistry();
  registry.register(tcpProxyFactory);
  for (const f of factories) registry.register(f);
  const manager = new ListenerManager({ registry, services: { nodeId: "test", clusters, stats }, secrets, drainTimeMs });
  return {
    manager, clusters, secrets, stats,
    addCluster(name, ports, extra = {}) {
      clusters.set({ name, type: "STATIC", connect_timeout: "1s", load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: ports.map((p) => ({ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: p } } } })) }] }, ...extra });
    },
    close: async () => {
      await manager.shutdown(0);
      clusters.close();
    },
  };
}

export function tcpProxy(cluster: string, extra: EnvoyJson = {}): EnvoyJson {
  return { name: "envoy.filters.network.tcp_proxy", typed_config: { "@type": TCP_PROXY_TYPE, stat_prefix: cluster, cluster, ...extra } };
}

export function listenerJson(name: string, chains: EnvoyJson[], extra: EnvoyJson = {}): EnvoyJson {
  return { name, address: { socket_address: { address: "127.0.0.1", port_value: 0 } }, filter_chains: chains, ...extra };
}

/** A server that greets each connection with `name\n` and then echoes. */
export async function greeter(name: string): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => undefined);
    s.write(`${name}\n`);
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

export async function closeServer(server: Server, sockets?: Set<Socket>): Promise<void> {
  for (const s of sockets ?? []) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
}

/** A free port (bound then released). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port, allowHalfOpen: true }, () => resolve(s));
    s.once("error", reject);
  });
}

/** Reads until `text` has arrived (or the socket ends/closes); returns everything read. */
export function readUntil(s: Socket, text: string, maxBytes = 1 << 20): Promise<string> {
  return new Promise((resolve) => {
    let got = "";
    const done = (): void => {
      s.removeListener("data", onData);
      s.removeListener("end", done);
      s.removeListener("close", done);
      resolve(got);
    };
    const onData = (b: Buffer): void => {
      got += b.toString("latin1");
      if (got.includes(text) || got.length >= maxBytes) done();
    };
    s.on("data", onData);
    s.once("end", done);
    s.once("close", done);
  });
}

/** Resolves when the peer has closed the connection (end or close; the test's timeout bounds the wait). */
export function closed(s: Socket): Promise<void> {
  return new Promise((r) => {
    if (s.destroyed || s.readableEnded) return r();
    s.once("end", () => { s.destroy(); r(); });
    s.once("close", () => r());
    s.resume();
  });
}

export const INFO_FILTER_TYPE = "type.googleapis.com/test.ConnectionInfoEcho";

/** A network filter for tests: writes what the listener learned (JSON line), then echoes. */
export const infoEchoFactory: NetworkFilterFactory = {
  typeUrl: INFO_FILTER_TYPE,
  create() {
    return {
      onConnection(conn) {
        conn.socket.write(JSON.stringify({ tls: conn.tls ?? null, chain: conn.filterChainName, dst: conn.destinationPort }) + "\n");
        if (conn.preread) conn.socket.write(conn.preread);
        conn.socket.on("data", (b: Buffer) => conn.socket.write(b));
        conn.socket.on("error", () => undefined);
      },
      drain() {},
    };
  },
};

export function infoFilter(): EnvoyJson {
  return { name: "info", typed_config: { "@type": INFO_FILTER_TYPE } };
}
