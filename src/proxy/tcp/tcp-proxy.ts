// The tcp_proxy network filter: picks a cluster and host, connects (retrying up to
// max_connect_attempts), then pipes bytes both ways with backpressure and half-close, closing on
// the idle timeout. Flags: UF (connect failed), UO (connections circuit breaker), UH (no healthy host).
import type { Socket } from "node:net";
import type { Cluster, ConnectionInfo, NetworkFilter, NetworkFilterFactory, ProxyServices, UpstreamHost } from "../contracts.js";
import { logger } from "../server/logger.js";
import { TcpConnectionRecord } from "./access-log.js";
import { TCP_PROXY_TYPE, compileTcpProxy, pickCluster, type TcpProxyConfig } from "./config.js";
import { connectUpstream } from "./upstream-connect.js";

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
    rec.upstreamHost = `${host.address}:${host.port}`;
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

  /** Byte pipe with backpressure (pause on a full write buffer, resume on drain) and half-close. */
  private pipe(conn: ConnectionInfo, up: Socket, rec: TcpConnectionRecord): void {
    const down = conn.socket;
    let idle: NodeJS.Timeout | undefined;
    const touch = (): void => {
      if (this.config.idleTimeoutMs <= 0) return;
      if (idle) idle.refresh();
      else idle = setTimeout(() => { down.destroy(); up.destroy(); }, this.config.idleTimeoutMs);
    };
    touch();
    const forward = (src: Socket, dst: Socket, count: (n: number) => void): void => {
      src.on("data", (chunk: Buffer) => {
        count(chunk.length);
        touch();
        if (!dst.write(chunk)) src.pause();
      });
      dst.on("drain", () => src.resume());
      src.on("end", () => dst.end());
    };
    up.on("error", (e) => logger.debug(`tcp_proxy ${this.config.statPrefix}: upstream ${rec.upstreamHost}: ${e.message}`));
    if (conn.preread && conn.preread.length > 0) {
      rec.bytesReceived += conn.preread.length;
      up.write(conn.preread);
    }
    forward(down, up, (n) => { rec.bytesReceived += n; });
    forward(up, down, (n) => { rec.bytesSent += n; });
    if (down.readableEnded) up.end();
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

  private finish(rec: TcpConnectionRecord, down: Socket | undefined, _up: Socket | undefined): void {
    if (down) down.destroy();
    rec.durationMs = Date.now() - rec.startTime;
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
