// The network ext_authz filter on a real listener: a gRPC Authorization server decides, tcp_proxy
// carries the bytes of allowed connections to an echo upstream; denied connections are closed
// before the upstream sees them; an unreachable authorizer follows failure_mode_allow; the
// network rbac shadow verdict (Istio's CUSTOM selection) gates the check.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect, type AddressInfo, type Server, type Socket } from "node:net";
import { Server as GrpcServer, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import type { EnvoyJson } from "../../contracts.js";
import { StatsStore } from "../../admin/stats.js";
import { NetworkFilterRegistry } from "../../listener/filter-registry.js";
import { ListenerManager } from "../../listener/listener-manager.js";
import { ClusterManager } from "../../upstream/index.js";
import { SecretStore } from "../../tls/secret-store.js";
import { TCP_PROXY_TYPE } from "../../tcp/config.js";
import { tcpProxyFactory } from "../../tcp/tcp-proxy.js";
import { authorizationService, closeAuthzClients } from "../../http/filters/ext-authz/grpc-check.js";
import { networkRbacFactory, NETWORK_RBAC_TYPE } from "../rbac/network-rbac.js";
import { networkExtAuthzFactory } from "./network-ext-authz.js";
import { NETWORK_EXT_AUTHZ_TYPE } from "./network-ext-authz-config.js";

interface CheckReq { attributes?: { source?: { address?: { socket_address?: { address?: string } }; principal?: string }; destination?: { address?: { socket_address?: { port_value?: number } } } } }

let verdict: "allow" | "deny" = "allow";
/** While set, the authorizer holds its answers here instead of answering. */
let held: (() => void)[] | null = null;
const checks: CheckReq[] = [];
let upstreamConnections = 0;
let grpc: GrpcServer;
let grpcPort = 0;
let deadPort = 0;
let echo: Server;
const echoSockets = new Set<Socket>();
const stats = new StatsStore();
const secrets = new SecretStore();
const clusters = new ClusterManager({ timers: false });
const registry = new NetworkFilterRegistry();
registry.register(tcpProxyFactory);
registry.register(networkRbacFactory);
registry.register(networkExtAuthzFactory);
const manager = new ListenerManager({ registry, services: { nodeId: "test", clusters, stats }, secrets, drainTimeMs: 0 });

async function listen(s: Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  return (s.address() as AddressInfo).port;
}

before(async () => {
  grpc = new GrpcServer();
  grpc.addService(authorizationService().service, {
    Check: (call: ServerUnaryCall<CheckReq, unknown>, cb: sendUnaryData<unknown>) => {
      checks.push(call.request);
      const answer = (): void => cb(null, verdict === "allow" ? { status: { code: 0 } } : { status: { code: 7, message: "not this one" } });
      if (held !== null) held.push(answer); else answer();
    },
  });
  grpcPort = await new Promise<number>((resolve, reject) => grpc.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => e ? reject(e) : resolve(p)));
  echo = createServer((s) => {
    upstreamConnections++;
    echoSockets.add(s);
    s.on("close", () => echoSockets.delete(s));
    s.on("error", () => s.destroy());
    s.on("data", (d: Buffer) => s.write(`echo:${d.toString()}`));
  });
  const echoPort = await listen(echo);
  clusters.set({ name: "echo", type: "STATIC", connect_timeout: "1s", load_assignment: { cluster_name: "echo", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: echoPort } } } }] }] } });
  const probe = createServer();
  deadPort = await listen(probe);
  await new Promise<void>((r) => probe.close(() => r()));
});

after(async () => {
  await manager.shutdown(0);
  clusters.close();
  closeAuthzClients();
  grpc.forceShutdown();
  for (const s of echoSockets) s.destroy();
  await new Promise<void>((r) => echo.close(() => r()));
});

/** Istio's CUSTOM pair: a DENY shadow engine selecting connections to `port` (any port when 0), then ext_authz gated on it. */
function chain(authzPort: number, failOpen: boolean, selectPort = 0): EnvoyJson[] {
  const permission = selectPort === 0 ? { any: true } : { destination_port: selectPort };
  return [
    { name: "envoy.filters.network.rbac", typed_config: { "@type": NETWORK_RBAC_TYPE, stat_prefix: "tcp.", shadow_rules_stat_prefix: "istio_ext_authz_", shadow_rules: { action: "DENY", policies: { "istio-ext-authz-ns[foo]-policy[tcp]-rule[0]": { permissions: [permission], principals: [{ any: true }] } } } } },
    { name: "envoy.filters.network.ext_authz", typed_config: {
      "@type": NETWORK_EXT_AUTHZ_TYPE, stat_prefix: "tcp.", transport_api_version: "V3", failure_mode_allow: failOpen,
      grpc_service: { envoy_grpc: { cluster_name: `outbound|${authzPort}||127.0.0.1` }, timeout: "2s" },
      filter_enabled_metadata: { filter: "envoy.filters.network.rbac", path: [{ key: "istio_ext_authz_shadow_effective_policy_id" }], value: { string_match: { prefix: "istio-ext-authz" } } },
    } },
    { name: "envoy.filters.network.tcp_proxy", typed_config: { "@type": TCP_PROXY_TYPE, stat_prefix: "echo", cluster: "echo" } },
  ];
}

async function listener(name: string, filters: EnvoyJson[]): Promise<number> {
  const l = await manager.apply({ name, address: { socket_address: { address: "127.0.0.1", port_value: 0 } }, filter_chains: [{ filters }] });
  return l.port;
}

/** Writes `ping` and returns what came back before the proxy closed (or "echo:ping" as soon as it arrives). */
function talk(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    let got = "";
    const done = (): void => { s.destroy(); resolve(got); };
    s.on("data", (d: Buffer) => { got += d.toString(); if (got === "echo:ping") done(); });
    s.on("error", done);
    s.on("close", done);
    s.write("ping");
  });
}

test("allowed connections carry bytes; denied ones are closed before the upstream sees them", async () => {
  const port = await listener("authz", chain(grpcPort, false));
  verdict = "allow";
  const before = checks.length;
  assert.equal(await talk(port), "echo:ping");
  assert.equal(checks.length, before + 1);
  const attrs = checks.at(-1)?.attributes;
  assert.equal(attrs?.source?.address?.socket_address?.address, "127.0.0.1");
  assert.equal(attrs?.destination?.address?.socket_address?.port_value, port);

  verdict = "deny";
  const upstreamBefore = upstreamConnections;
  assert.equal(await talk(port), "");
  assert.equal(checks.length, before + 2);
  assert.equal(upstreamConnections, upstreamBefore, "a denied connection never reaches tcp_proxy");
  assert.equal(stats.counter("ext_authz.tcp.denied"), 1);
  assert.equal(stats.counter("ext_authz.tcp.ok"), 1);
});

test("the active gauge counts checks waiting for the authorizer", async () => {
  const port = await listener("authz-active", chain(grpcPort, false));
  verdict = "allow";
  held = [];
  const waiting = held;
  try {
    const before = checks.length;
    const replies = [talk(port), talk(port)];
    for (let i = 0; i < 250 && checks.length < before + 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(checks.length, before + 2, "both connections asked");
    assert.equal(stats.gauge("ext_authz.tcp.active"), 2);
    held = null;
    for (const answer of waiting.splice(0)) answer();
    assert.deepEqual(await Promise.all(replies), ["echo:ping", "echo:ping"]);
    assert.equal(stats.gauge("ext_authz.tcp.active"), 0);
  } finally {
    held = null;
    for (const answer of waiting.splice(0)) answer(); // answers still held when an assertion failed
  }
});

test("an unreachable authorizer closes the connection, unless failure_mode_allow", async () => {
  const closedPort = await listener("dead-closed", chain(deadPort, false));
  assert.equal(await talk(closedPort), "");
  const openPort = await listener("dead-open", chain(deadPort, true));
  assert.equal(await talk(openPort), "echo:ping");
  assert.ok(stats.counter("ext_authz.tcp.failure_mode_allowed") >= 1);
});

test("connections the CUSTOM shadow rules do not select skip the authorizer", async () => {
  verdict = "deny";
  const port = await listener("unselected", chain(grpcPort, false, 1));
  const before = checks.length;
  assert.equal(await talk(port), "echo:ping");
  assert.equal(checks.length, before);
});
