// The tcp_proxy network filter: picks a cluster and host, connects (retrying up to
// max_connect_attempts), then pipes bytes both ways with backpressure and half-close, closing on
// the idle timeout. Flags: UF (connect failed), UO (connections circuit breaker), UH (no healthy host).
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Cluster, ConnectionInfo, NetworkFilter, NetworkFilterFactory, ProxyServices, UpstreamHost } from "../contracts.js";
import { logger } from "../server/logger.js";
import { TcpConnectionRecord } from "./access-log.js";
import { TCP_PROXY_TYPE, compileTcpProxy, pickCluster, type TcpProxyConfig } from "./config.js";
import { connectUpstream } from "./upstream-connect.js";
import { ExchangeFrameReader, PEER_EXCHANGE_ALPN, peerExchanges } from "./peer-exchange.js";
import { writeDirect } from "../http/h1/direct-write.js";

export class TcpProxyFilter implements NetworkFilter {
  private draining = false;

  constructor(readonly config: TcpProxyConfig, private readonly services: ProxyServices) {}

  onConnection(conn: ConnectionInfo): void {
    const cfg = this.config;
    const stats = this.services.stats;
    const prefix = `tcp.${cfg.statPrefix}`;
    stats?.inc(`${prefix}.downstream_cx_total`);
    const rec = new TcpConnectionRecord();
    rec.statPrefix = cfg.statPrefix;
    rec.downstreamRemoteAddress = `${conn.remoteAddress}:${conn.remotePort}`;
    rec.downstreamLocalAddress = `${conn.destinationAddress}:${conn.destinationPort}`;
    rec.peerPrincipal = conn.tls?.peerUriSans[0] ?? "";
    const down = conn.socket;
    const ex = peerExchanges.get(down);
    if (ex !== undefined) { rec.peerExchange = ex; peerExchanges.delete(down); }
    const name = pickCluster(cfg, Math.random());
    rec.cluster = name;
    const cluster = this.services.clusters.get(name);
    if (!cluster) {
      stats?.inc(`${prefix}.downstream_cx_no_route`);
      rec.addFlag("NC");
      return this.finish(rec, down, undefined);
    }
    if (!cluster.tryAcquire("connections")) {
      stats?.inc(`cluster.${name}.upstream_cx_overflow`);
      rec.addFlag("UO");
      return this.finish(rec, down, undefined);
    }
    let released = false;
    const release = (): void => {
      if (!released) { released = true; cluster.release("connections"); }
    };
    down.once("close", release);
    this.attempt(conn, cluster, rec, 1, new Set(), release);
  }

  private attempt(conn: ConnectionInfo, cluster: Cluster, rec: TcpConnectionRecord, n: number, avoid: Set<UpstreamHost>, release: () => void): void {
    const down = conn.socket;
    if (down.destroyed) return release();
    const host = cluster.pickHost(avoid.size > 0 ? { avoid } : undefined);
    if (!host) {
      rec.addFlag("UH");
      logger.debug(`tcp_proxy ${this.config.statPrefix}: no healthy upstream: ${cluster.describeNoHealthyUpstream()}`);
      release();
      return this.finish(rec, down, undefined);
    }
    rec.upstreamHost = host.addressPort;
    this.services.stats?.inc(`cluster.${cluster.name}.upstream_cx_total`);
    connectUpstream(cluster, host, (r) => {
      if (!r.ok) {
        cluster.report(host, r.reason === "timeout" ? { kind: "timeout" } : { kind: "connect-failure" });
        this.services.stats?.inc(`cluster.${cluster.name}.upstream_cx_connect_fail`);
        if (n < this.config.maxConnectAttempts && !down.destroyed) {
          avoid.add(host);
          return this.attempt(conn, cluster, rec, n + 1, avoid, release);
        }
        rec.addFlag("UF");
        release();
        return this.finish(rec, down, undefined);
      }
      if (down.destroyed) {
        r.socket.destroy();
        return release();
      }
      host.activeRequests++;
      r.socket.once("close", () => { host.activeRequests--; });
      this.pipe(conn, r.socket, rec);
    });
  }

  /**
   * Byte pipe with backpressure (pause on a full write buffer, resume on drain) and half-close.
   * With a metadata exchange on a side that negotiated ALPN istio-peer-exchange (downstream on
   * inbound, upstream on outbound), our frame goes out first on that side and the peer's frame is
   * stripped from the first bytes read from it.
   */
  private pipe(conn: ConnectionInfo, up: Socket, rec: TcpConnectionRecord): void {
    const down = conn.socket;
    let idle: NodeJS.Timeout | undefined;
    const touch = (): void => {
      if (this.config.idleTimeoutMs <= 0) return;
      if (idle) idle.refresh();
      else idle = setTimeout(() => { down.destroy(); up.destroy(); }, this.config.idleTimeoutMs);
    };
    touch();
    const ex = rec.peerExchange;
    const downReader = ex !== null && conn.tls?.alpn === PEER_EXCHANGE_ALPN ? new ExchangeFrameReader() : null;
    const upReader = ex !== null && (up as TLSSocket).alpnProtocol === PEER_EXCHANGE_ALPN ? new ExchangeFrameReader() : null;
    if (ex !== null && ex.localFrame.length > 0) {
      if (upReader !== null) up.write(ex.localFrame);
      if (downReader !== null) down.write(ex.localFrame);
    }
    let pendingReads = (downReader !== null ? 1 : 0) + (upReader !== null ? 1 : 0);
    const exchanged = (reader: ExchangeFrameReader): void => {
      ex?.onPeerPayload(reader.payload);
      if (--pendingReads === 0) this.opened(rec);
    };
    const forward = (src: Socket, dst: Socket, reader: ExchangeFrameReader | null, count: (n: number) => void): ((chunk: Buffer) => void) => {
      const onData = (data: Buffer): void => {
        let chunk = data;
        if (reader !== null && !reader.done) {
          const rest = reader.feed(chunk);
          if (rest === null) return;
          exchanged(reader);
          if (rest.length === 0) return;
          chunk = rest;
        }
        count(chunk.length);
        touch();
        if (!writeDirect(dst, chunk)) src.pause();
      };
      src.on("data", onData);
      dst.on("drain", () => src.resume());
      src.on("end", () => {
        if (reader !== null && !reader.done) {
          const rest = reader.end();
          exchanged(reader);
          if (rest.length > 0) { count(rest.length); dst.write(rest); }
        }
        dst.end();
      });
      return onData;
    };
    up.on("error", (e) => logger.debug(`tcp_proxy ${this.config.statPrefix}: upstream ${rec.upstreamHost}: ${e.message}`));
    const fromDown = forward(down, up, downReader, (n) => { rec.bytesReceived += n; });
    forward(up, down, upReader, (n) => { rec.bytesSent += n; });
    if (conn.preread && conn.preread.length > 0) fromDown(conn.preread);
    if (pendingReads === 0) this.opened(rec);
    if (down.readableEnded) {
      // The client half-closed while the inspectors read: no "end" event will come.
      if (downReader !== null && !downReader.done) { const rest = downReader.end(); exchanged(downReader); if (rest.length > 0) { rec.bytesReceived += rest.length; up.write(rest); } }
      up.end();
    }
    let closed = 0;
    const onClose = (): void => {
      // One side gone for good (reset or both directions done): tear down the other.
      if (++closed === 1) { down.destroy(); up.destroy(); return; }
      if (idle) clearTimeout(idle);
      this.finish(rec, undefined, undefined);
    };
    down.once("close", onClose);
    up.once("close", onClose);
    down.resume();
    up.resume();
  }

  /** The connection is established (and the peer's metadata known): observers count it as opened. */
  private opened(rec: TcpConnectionRecord): void {
    rec.open = true;
    this.services.onTcpConnection?.(rec, rec.peerPrincipal === "" ? undefined : rec.peerPrincipal);
  }

  private finish(rec: TcpConnectionRecord, down: Socket | undefined, _up: Socket | undefined): void {
    if (down) down.destroy();
    rec.durationMs = Date.now() - rec.startTime;
    rec.open = false;
    for (const sink of this.config.accessLogs) sink.write(rec);
    this.services.onTcpConnection?.(rec, rec.peerPrincipal === "" ? undefined : rec.peerPrincipal);
    if (rec.flags.length > 0) logger.debug(`tcp_proxy ${this.config.statPrefix}: ${rec.format()}`);
  }

  drain(): void {
    // A TCP proxy has no requests to finish; connections close at the end of the drain time.
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }
}

export const tcpProxyFactory: NetworkFilterFactory = {
  typeUrl: TCP_PROXY_TYPE,
  create(typedConfig, services) {
    return new TcpProxyFilter(compileTcpProxy(typedConfig), services);
  },
};
