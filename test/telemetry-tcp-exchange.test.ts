// TCP metadata exchange through two sidecars over real mTLS: a client → client sidecar
// (outbound tcp_proxy, upstream mTLS offering ALPN istio-peer-exchange) → server sidecar (TLS
// listener, inbound tcp_proxy) → echo app. Both chains run istio.metadata_exchange first, as the
// control plane emits them. Both reporters' istio_tcp_* carry both workloads; the exchange frames
// never reach the apps or the byte counters; opened is counted while the connection is open. A
// plaintext client of the same server chain (no ALPN, no exchange) still gets its echo.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { createSecureContext, createServer as createTlsServer, type TLSSocket } from "node:tls";
import type { Cluster, ConnectionInfo, NetworkFilter, ProxyServices } from "../src/proxy/contracts.js";
import { StaticCluster, StaticClusterRegistry } from "../src/proxy/http/testing/static-clusters.js";
import { compileTcpProxy } from "../src/proxy/tcp/config.js";
import { TcpProxyFilter } from "../src/proxy/tcp/tcp-proxy.js";
import { makeCa, makeLeaf, type TestCa, type TestLeaf } from "../src/proxy/tls/test-certs.js";
import { parseSubjectAltNames } from "../src/proxy/tls/validation.js";
import { ProxyTelemetry } from "../src/telemetry/proxy-telemetry.js";
import { MetadataExchangeFilter } from "../src/telemetry/metadata/metadata-exchange-filter.js";
import { recordTcpTelemetry } from "../src/telemetry/stats/tcp-stats.js";

const TD = "cluster.local";
const CLIENT_ID = `spiffe://${TD}/ns/default/sa/sleep`;
const SERVER_ID = `spiffe://${TD}/ns/default/sa/tcp-echo`;
const ALPN = ["istio-peer-exchange", "istio"];

function listen(s: Server): Promise<number> {
  return new Promise((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));
}

function closeAll(servers: Server[], sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined);
}

function runChain(chain: NetworkFilter[], info: ConnectionInfo): void {
  for (const f of chain) { if (info.socket.destroyed) return; f.onConnection(info); }
}

function services(t: ProxyTelemetry, cluster: StaticCluster): ProxyServices {
  return { nodeId: t.node.id, clusters: new StaticClusterRegistry([cluster]), onTcpConnection: (r, p) => recordTcpTelemetry(r, t, p) };
}

class MtlsCluster extends StaticCluster {
  readonly tls: NonNullable<Cluster["tls"]>;
  constructor(name: string, port: number, ca: TestCa, leaf: TestLeaf, alpn: string[]) {
    super(name, [["127.0.0.1", port]]);
    this.tls = { context: createSecureContext({ key: leaf.keyPem, cert: leaf.certPem, ca: ca.certPem }), alpn, matchUriSans: [SERVER_ID] };
  }
}

interface Mesh {
  client: ProxyTelemetry;
  server: ProxyTelemetry;
  /** Client sidecar ports: upstream mTLS offering istio-peer-exchange, and offering only "istio". */
  outboundPort: number;
  outboundNoExchangePort: number;
  /** The server sidecar's TLS port and a plaintext port with the same chain. */
  inboundPlainPort: number;
  appSeen: Buffer[];
  close(): Promise<void>;
}

/** serverTelemetry false: the server sidecar runs the filter without telemetry (strips, sends nothing). */
async function startMesh(serverTelemetry = true): Promise<Mesh> {
  const ca = await makeCa();
  const clientLeaf = await makeLeaf(ca, { cn: "sleep", uris: [CLIENT_ID] });
  const serverLeaf = await makeLeaf(ca, { cn: "tcp-echo", uris: [SERVER_ID] });
  const client = new ProxyTelemetry({ nodeId: "sidecar~127.0.0.2~sleep-1.default~default.svc.cluster.local", nodeMetadata: { NAMESPACE: "default", WORKLOAD_NAME: "sleep", SERVICE_ACCOUNT: "sleep", LABELS: { app: "sleep", version: "v1" } } });
  const server = new ProxyTelemetry({ nodeId: "sidecar~127.0.0.3~tcp-echo-1.default~default.svc.cluster.local", nodeMetadata: { NAMESPACE: "default", WORKLOAD_NAME: "tcp-echo", SERVICE_ACCOUNT: "tcp-echo", LABELS: { app: "tcp-echo", version: "v1" } } });
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => { sockets.add(s); s.on("close", () => sockets.delete(s)); s.on("error", () => s.destroy()); };
  const appSeen: Buffer[] = [];
  const app = createServer({ allowHalfOpen: true }, (s) => { track(s); s.on("data", (d: Buffer) => { appSeen.push(d); s.write(d); }); s.on("end", () => s.end()); });
  const appPort = await listen(app);

  const inboundCluster = new StaticCluster("inbound|9000||", [["127.0.0.1", appPort]]);
  const inboundChain = (): NetworkFilter[] => [new MetadataExchangeFilter(() => (serverTelemetry ? server : null)),
    new TcpProxyFilter(compileTcpProxy({ stat_prefix: "inbound|9000||", cluster: "inbound|9000||" }), services(server, inboundCluster))];
  const serverChain = inboundChain();
  const inbound = createTlsServer({ key: serverLeaf.keyPem, cert: serverLeaf.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ALPN, allowHalfOpen: true }, (s: TLSSocket) => {
    track(s);
    const sans = parseSubjectAltNames(s.getPeerCertificate().subjectaltname).filter((x) => x.type === "URI").map((x) => x.value);
    const alpn = typeof s.alpnProtocol === "string" ? s.alpnProtocol : undefined;
    runChain(serverChain, { socket: s, remoteAddress: s.remoteAddress ?? "", remotePort: s.remotePort ?? 0, destinationAddress: "127.0.0.1", destinationPort: 9000,
      listenerName: "virtualInbound", filterChainName: "inbound|9000||", tls: { ...(alpn !== undefined ? { alpn } : {}), peerUriSans: sans } });
  });
  const inboundPort = await listen(inbound);
  const plainChain = inboundChain();
  const inboundPlain = createServer({ allowHalfOpen: true }, (s) => {
    track(s);
    runChain(plainChain, { socket: s, remoteAddress: s.remoteAddress ?? "", remotePort: s.remotePort ?? 0, destinationAddress: "127.0.0.1", destinationPort: 9000, listenerName: "virtualInbound", filterChainName: "plain" });
  });
  const inboundPlainPort = await listen(inboundPlain);

  const outboundServer = async (alpn: string[]): Promise<[Server, number]> => {
    const name = "outbound|9000||tcp-echo.default.svc.cluster.local";
    const chain = [new MetadataExchangeFilter(() => client),
      new TcpProxyFilter(compileTcpProxy({ stat_prefix: name, cluster: name }), services(client, new MtlsCluster(name, inboundPort, ca, clientLeaf, alpn)))];
    const srv = createServer({ allowHalfOpen: true }, (s) => {
      track(s);
      runChain(chain, { socket: s, remoteAddress: s.remoteAddress ?? "", remotePort: s.remotePort ?? 0, destinationAddress: "127.0.0.1", destinationPort: 9000, listenerName: "0.0.0.0_9000", filterChainName: "" });
    });
    return [srv, await listen(srv)];
  };
  const [outbound, outboundPort] = await outboundServer(ALPN);
  const [outboundOld, outboundNoExchangePort] = await outboundServer(["istio"]);
  return {
    client, server, outboundPort, outboundNoExchangePort, inboundPlainPort, appSeen,
    close: () => closeAll([app, inbound, inboundPlain, outbound, outboundOld], sockets),
  };
}

/** Connects, sends `msg`, waits for the echo; returns the socket still open. */
function echo(port: number, msg: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    let got = "";
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`no echo of "${msg}" within 5 s (got "${got}")`)); }, 5000);
    s.on("error", (e) => { clearTimeout(timer); reject(e); });
    s.on("data", (d: Buffer) => { got += d.toString("latin1"); if (got.length >= msg.length) { clearTimeout(timer); assert.equal(got, msg); resolve(s); } });
    s.write(msg);
  });
}

function endAndWait(s: Socket): Promise<void> {
  return new Promise((r) => { s.on("close", () => r()); s.end(); });
}

function value(t: ProxyTelemetry, metric: string, labels: RegExp): number | undefined {
  const line = t.metrics.expose().split("\n").find((l) => l.startsWith(`${metric}{`) && labels.test(l));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

async function waitFor(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const BOTH = /source_workload="sleep",source_canonical_service="sleep",source_canonical_revision="v1",source_workload_namespace="default",source_principal="spiffe:\/\/cluster.local\/ns\/default\/sa\/sleep",source_app="sleep",source_version="v1",[^}]*destination_workload="tcp-echo",destination_workload_namespace="default",destination_principal="spiffe:\/\/cluster.local\/ns\/default\/sa\/tcp-echo",destination_app="tcp-echo",destination_version="v1",/;

test("TCP over mTLS with metadata exchange: both reporters carry both workloads; frames never reach the apps", { timeout: 30_000 }, async () => {
  const mesh = await startMesh();
  try {
    const s = await echo(mesh.outboundPort, "hello tcp");
    const src = (m: string): number | undefined => value(mesh.client, m, new RegExp(`reporter="source",${BOTH.source}`));
    const dst = (m: string): number | undefined => value(mesh.server, m, new RegExp(`reporter="destination",${BOTH.source}`));
    // Opened while the connection is still open, with the peer's labels already known.
    await waitFor("opened at both reporters", () => src("istio_tcp_connections_opened_total") === 1 && dst("istio_tcp_connections_opened_total") === 1);
    assert.equal(src("istio_tcp_connections_closed_total"), undefined);
    await endAndWait(s);
    await waitFor("closed at both reporters", () => src("istio_tcp_connections_closed_total") === 1 && dst("istio_tcp_connections_closed_total") === 1);
    for (const at of [src, dst]) {
      assert.equal(at("istio_tcp_sent_bytes_total"), 9);
      assert.equal(at("istio_tcp_received_bytes_total"), 9);
      assert.equal(at("istio_tcp_connections_opened_total"), 1);
    }
    assert.match(mesh.server.metrics.expose(), /istio_tcp_received_bytes_total\{reporter="destination",[^}]*connection_security_policy="mutual_tls"\} 9/);
    assert.equal(Buffer.concat(mesh.appSeen).toString("latin1"), "hello tcp");
  } finally {
    await mesh.close();
  }
});

test("peers without the exchange still work: plaintext to the server chain, and mTLS without the ALPN", { timeout: 30_000 }, async () => {
  const mesh = await startMesh();
  try {
    await endAndWait(await echo(mesh.inboundPlainPort, "plain bytes"));
    await endAndWait(await echo(mesh.outboundNoExchangePort, "old peer"));
    await waitFor("both connections closed at the server", () => value(mesh.server, "istio_tcp_connections_closed_total", /reporter="destination"/) !== undefined
      && mesh.server.metrics.expose().split("\n").filter((l) => l.startsWith("istio_tcp_connections_closed_total{")).length === 2);
    const text = mesh.server.metrics.expose();
    assert.match(text, /istio_tcp_received_bytes_total\{reporter="destination",source_workload="unknown",[^}]*source_principal="unknown",[^}]*connection_security_policy="none"\} 11/);
    assert.match(text, /istio_tcp_received_bytes_total\{reporter="destination",source_workload="unknown",[^}]*source_principal="spiffe:\/\/cluster.local\/ns\/default\/sa\/sleep",[^}]*connection_security_policy="mutual_tls"\} 8/);
    await waitFor("closed at the client", () => value(mesh.client, "istio_tcp_connections_closed_total", /reporter="source"/) === 1);
    assert.equal(value(mesh.client, "istio_tcp_sent_bytes_total", /reporter="source",source_workload="sleep",[^}]*destination_workload="unknown"/), 8);
    assert.equal(Buffer.concat(mesh.appSeen).toString("latin1"), "plain bytesold peer");
  } finally {
    await mesh.close();
  }
});

test("a server sidecar without telemetry still strips the client's frame; the client sees no server metadata", { timeout: 30_000 }, async () => {
  const mesh = await startMesh(false);
  try {
    await endAndWait(await echo(mesh.outboundPort, "no telemetry"));
    await waitFor("closed at the client", () => value(mesh.client, "istio_tcp_connections_closed_total", /reporter="source"/) === 1);
    assert.equal(Buffer.concat(mesh.appSeen).toString("latin1"), "no telemetry");
    assert.equal(value(mesh.client, "istio_tcp_received_bytes_total", /reporter="source",source_workload="sleep",[^}]*destination_workload="unknown"/), 12);
  } finally {
    await mesh.close();
  }
});
