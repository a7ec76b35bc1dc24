// One running listener: accepts connections (or takes them handed off by a use_original_dst
// listener), runs the listener filters, picks a filter chain, terminates TLS when the chain says so,
// and gives the connection to the chain's network filters. Updates swap the compiled config; chains
// that changed drain for the drain time while new connections use the new ones.
import { createServer, type Server, type Socket } from "node:net";
import { MizzenError, errorMessage } from "../../errors.js";
import type { ConnectionInfo, ProxyStats } from "../contracts.js";
import { logger } from "../server/logger.js";
import { isSourceLocal, selectChain, type MatchInput } from "./chain-match.js";
import { parseIp } from "./cidr.js";
import { allChains, type CompiledChain, type CompiledListener } from "./compile.js";
import { inspect, type Inspection } from "./inspect.js";
import { getOriginalDst } from "./original-dst.js";
import { isStrictRefusal, RefusalLogLimiter, refusalLine } from "./strict-refusal-log.js";

export interface Destination {
  readonly address: string;
  readonly port: number;
}

/** What a listener needs from its manager. */
export interface ListenerHost {
  handOffTarget(dest: Destination, from: ActiveListener): ActiveListener | undefined;
  readonly stats?: ProxyStats;
  readonly drainTimeMs: number;
}

function strip(a: string | undefined): string {
  return a?.startsWith("::ffff:") ? a.slice(7) : (a ?? "");
}

export class ActiveListener {
  private server: Server | undefined;
  private boundPort = 0;
  private readonly drainTimers = new Set<NodeJS.Timeout>();
  /** Chains replaced by an update that still hold connections. */
  private readonly drainingChains = new Set<CompiledChain>();
  private readonly refusalLog = new RefusalLogLimiter();
  /** Envoy names listener stats by address ("listener.0.0.0.0_15001."); set again once bound. */
  statPrefix: string;

  constructor(public config: CompiledListener, private readonly host: ListenerHost) {
    this.statPrefix = `listener.${config.address}_${config.port}`;
  }

  get name(): string {
    return this.config.name;
  }

  /** The port actually bound (differs from the config for port 0), or the configured one. */
  get port(): number {
    return this.boundPort || this.config.port;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** Binds the socket when bind_to_port; rejects with MizzenError when the bind fails. */
  listen(): Promise<void> {
    if (!this.config.bindToPort) return Promise.resolve();
    // TCP_NODELAY on every accepted connection, as Envoy sets it. With Nagle on, node:http2's
    // frames (written one by one through h2/preread-socket.ts) waited for the client's delayed
    // ACK: 32 h2c streams of GETs ran at ~650 req/s instead of ~5k.
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.accept(s));
    this.server = server;
    const ipv6 = this.config.address.includes(":");
    return new Promise((resolve, reject) => {
      server.once("error", (e: NodeJS.ErrnoException) => {
        this.server = undefined;
        reject(new MizzenError("MIZZEN_ERR_LISTENER_BIND", `listener "${this.name}": cannot bind ${this.config.address}:${this.config.port}: ${e.code ?? e.message}`));
      });
      server.listen({ host: this.config.address, port: this.config.port, ...(ipv6 ? { ipv6Only: !this.config.ipv4Compat } : {}) }, () => {
        server.removeAllListeners("error");
        server.on("error", (e) => logger.error(`listener "${this.name}": ${e.message}`));
        const a = server.address();
        this.boundPort = typeof a === "object" && a ? a.port : this.config.port;
        this.statPrefix = `listener.${this.config.address}_${this.boundPort}`;
        resolve();
      });
    });
  }

  /** Swaps in a new compiled version; chains not carried over drain. */
  update(next: CompiledListener): void {
    const kept = new Set(allChains(next));
    const old = allChains(this.config).filter((c) => !kept.has(c));
    this.config = next;
    for (const c of old) this.drainChain(c, this.host.drainTimeMs);
  }

  /** Entry point for accepted sockets and hand-offs from a use_original_dst listener. */
  accept(socket: Socket, handoff?: { destination: Destination; preread: Buffer }): void {
    const cfg = this.config;
    const stats = this.host.stats;
    stats?.inc(`${this.statPrefix}.downstream_cx_total`);
    if (!handoff) socket.on("error", (e) => logger.debug(`listener "${this.name}": downstream ${socket.remoteAddress}:${socket.remotePort}: ${e.message}`));
    let dest: Destination = handoff?.destination ?? { address: strip(socket.localAddress), port: socket.localPort ?? 0 };
    // Envoy adds the original_dst listener filter itself to a use_original_dst listener.
    if (!handoff && (cfg.originalDst || cfg.useOriginalDst)) dest = getOriginalDst(socket) ?? dest;
    inspect(socket, cfg.inspectors, handoff?.preread, (r) => {
      if (!r.ok) {
        if (r.reason === "timeout") stats?.inc(`${this.statPrefix}.downstream_pre_cx_timeout`);
        logger.debug(`listener "${this.name}": listener filters ended with ${r.reason} for ${socket.remoteAddress}:${socket.remotePort}`);
        socket.destroy();
        return;
      }
      if (!handoff && cfg.useOriginalDst) {
        const target = this.host.handOffTarget(dest, this);
        if (target) {
          target.accept(socket, { destination: dest, preread: r.preread });
          return;
        }
      }
      this.dispatch(socket, dest, r.inspection, r.preread);
    });
  }

  private dispatch(socket: Socket, dest: Destination, insp: Inspection, preread: Buffer): void {
    const cfg = this.config;
    const sourceIp = parseIp(strip(socket.remoteAddress));
    const destinationIp = parseIp(dest.address);
    const input: MatchInput = {
      destinationPort: dest.port, destinationIp, serverName: insp.sni, transportProtocol: insp.transportProtocol,
      applicationProtocols: insp.applicationProtocols, sourceIp, sourcePort: socket.remotePort ?? 0,
      sourceIsLocal: isSourceLocal(sourceIp, destinationIp),
    };
    const chain = selectChain(cfg.chains, input) ?? cfg.defaultChain;
    if (!chain) {
      this.host.stats?.inc(`${this.statPrefix}.no_filter_chain_match`);
      logger.debug(`listener "${this.name}": no filter chain matches ${socket.remoteAddress}:${socket.remotePort} → ${dest.address}:${dest.port}`);
      const callerIp = strip(socket.remoteAddress);
      if (logger.enabled("info") && isStrictRefusal(cfg.chains, insp.transportProtocol, dest.port) && this.refusalLog.allow(callerIp)) {
        logger.info(refusalLine(callerIp, socket.remotePort ?? 0, dest.port));
      }
      socket.destroy();
      return;
    }
    chain.connections.add(socket);
    this.host.stats?.add(`${this.statPrefix}.downstream_cx_active`, 1);
    socket.once("close", () => {
      chain.connections.delete(socket);
      this.host.stats?.add(`${this.statPrefix}.downstream_cx_active`, -1);
    });
    if (!chain.tls) {
      this.deliver(chain, socket, dest, preread.length > 0 ? preread : undefined, undefined);
      return;
    }
    chain.tls.terminate(socket, preread, (t) => {
      if (!t.ok) {
        this.host.stats?.inc(`${this.statPrefix}.ssl.connection_error`);
        logger.warn(`listener "${this.name}": TLS from ${socket.remoteAddress}:${socket.remotePort} failed: ${t.error.message}`);
        socket.destroy();
        return;
      }
      chain.connections.add(t.socket);
      t.socket.once("close", () => chain.connections.delete(t.socket));
      t.socket.on("error", (e) => logger.debug(`listener "${this.name}": TLS downstream ${socket.remoteAddress}: ${e.message}`));
      this.deliver(chain, t.socket, dest, undefined, t.info);
    });
  }

  private deliver(chain: CompiledChain, socket: Socket, dest: Destination, preread: Buffer | undefined, tls: ConnectionInfo["tls"]): void {
    const info: ConnectionInfo = {
      socket, remoteAddress: strip(socket.remoteAddress), remotePort: socket.remotePort ?? 0,
      destinationAddress: dest.address, destinationPort: dest.port, listenerName: this.name, filterChainName: chain.name,
      bufferLimitBytes: this.config.bufferLimitBytes,
      ...(tls ? { tls } : {}), ...(preread ? { preread } : {}),
    };
    this.runFilters(chain, socket, info, 0);
  }

  /** The chain's filters from `from` on; a filter's promise holds the rest until it settles. */
  private runFilters(chain: CompiledChain, socket: Socket, info: ConnectionInfo, from: number): void {
    for (let i = from; i < chain.filters.length; i++) {
      if (socket.destroyed) return;
      try {
        const hold = chain.filters[i]?.onConnection(info);
        if (hold !== undefined) {
          hold.then(() => this.runFilters(chain, socket, info, i + 1), (e: unknown) => {
            logger.error(`listener "${this.name}": network filter failed: ${errorMessage(e)}`);
            socket.destroy();
          });
          return;
        }
      } catch (e) {
        logger.error(`listener "${this.name}": network filter failed: ${errorMessage(e)}`);
        socket.destroy();
        return;
      }
    }
    // The inspectors left the socket paused; resume it for a filter that listens for data.
    if (socket.isPaused() && socket.listenerCount("data") > 0) socket.resume();
  }

  private drainChain(chain: CompiledChain, timeMs: number): void {
    if (chain.draining) return;
    chain.draining = true;
    for (const f of chain.filters) {
      try { f.drain(); } catch (e) { logger.error(`listener "${this.name}": drain failed: ${errorMessage(e)}`); }
    }
    if (chain.connections.size === 0) return;
    this.drainingChains.add(chain);
    const t = setTimeout(() => {
      this.drainTimers.delete(t);
      this.drainingChains.delete(chain);
      for (const s of chain.connections) s.destroy();
    }, timeMs);
    this.drainTimers.add(t);
  }

  /** Stops accepting new connections (existing ones are untouched). */
  stopAccepting(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return Promise.resolve();
    // close() releases the port at once; its callback would wait for every connection to end.
    s.close();
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** Graceful drain of every chain: filters drain now, connections close after `timeMs`. */
  drain(timeMs: number): void {
    for (const c of allChains(this.config)) this.drainChain(c, timeMs);
  }

  openConnections(): number {
    return [...allChains(this.config), ...this.drainingChains].reduce((n, c) => n + c.connections.size, 0);
  }

  /** Closes the socket and every connection now. */
  async close(): Promise<void> {
    for (const t of this.drainTimers) clearTimeout(t);
    this.drainTimers.clear();
    const closing = this.stopAccepting();
    for (const c of [...allChains(this.config), ...this.drainingChains]) for (const s of c.connections) s.destroy();
    this.drainingChains.clear();
    await closing;
  }
}
