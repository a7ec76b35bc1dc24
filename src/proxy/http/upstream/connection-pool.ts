// Keep-alive HTTP/1.1 connections per upstream host (no pipelining: one request at a time per
// connection). Hosts are stable objects across cluster updates, so the host is the key.
import type { Cluster, UpstreamHost } from "../../contracts.js";
import { H1UpstreamConnection, type PoolRelease } from "./h1-upstream-connection.js";

const IDLE_TIMEOUT_MS = 60_000;
/** Idle connections are swept on an interval rather than with a socket timer armed per request. */
const IDLE_SWEEP_MS = 5_000;
const MAX_IDLE_PER_HOST = 1024;

export class H1ConnectionPool implements PoolRelease {
  private readonly idle = new Map<UpstreamHost, H1UpstreamConnection[]>();
  private readonly all = new Set<H1UpstreamConnection>();
  private sweeper: NodeJS.Timeout | null = null;
  /** Coarse clock for idle times, advanced by the sweeper (no clock read per request). */
  private sweeps = 0;

  /** An idle connection to `host`, or null (then the caller opens one, subject to circuit breakers). */
  takeIdle(host: UpstreamHost): H1UpstreamConnection | null {
    const list = this.idle.get(host);
    if (list === undefined) return null;
    while (list.length > 0) {
      const c = list.pop() as H1UpstreamConnection;
      if (c.reusable) return c;
      this.forget(c);
    }
    return null;
  }

  /**
   * Opens a connection. The caller holds one "pending" (released once connected or failed) and one
   * "connections" unit (released on close) of the cluster's circuit breakers.
   */
  open(cluster: Cluster, host: UpstreamHost): H1UpstreamConnection {
    const c = new H1UpstreamConnection(cluster, host, this);
    this.all.add(c);
    let pending = true;
    const settle = (): void => { if (pending) { pending = false; cluster.release("pending"); } };
    c.socket.once(c.tls ? "secureConnect" : "connect", settle);
    c.socket.once("close", () => { settle(); cluster.release("connections"); });
    return c;
  }

  release(c: H1UpstreamConnection): void {
    let list = this.idle.get(c.host);
    if (list === undefined) { list = []; this.idle.set(c.host, list); }
    if (list.length >= MAX_IDLE_PER_HOST) { this.forget(c); c.socket.destroy(); return; }
    c.idleSince = this.sweeps;
    list.push(c);
    if (this.sweeper === null) {
      this.sweeper = setInterval(() => this.sweep(), IDLE_SWEEP_MS);
      this.sweeper.unref();
    }
  }

  /** Closes connections idle for IDLE_TIMEOUT_MS (to within one sweep). */
  private sweep(): void {
    this.sweeps++;
    const oldest = this.sweeps - Math.ceil(IDLE_TIMEOUT_MS / IDLE_SWEEP_MS);
    for (const list of [...this.idle.values()]) {
      // Lists are stacks: the least recently used connections are at the front.
      let n = 0;
      while (n < list.length && (list[n] as H1UpstreamConnection).idleSince <= oldest) n++;
      for (const c of list.slice(0, n)) { this.forget(c); c.socket.destroy(); }
    }
    if (this.idle.size === 0 && this.sweeper !== null) { clearInterval(this.sweeper); this.sweeper = null; }
  }

  forget(c: H1UpstreamConnection): void {
    this.all.delete(c);
    const list = this.idle.get(c.host);
    if (list === undefined) return;
    const i = list.indexOf(c);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.idle.delete(c.host);
  }

  get size(): number {
    return this.all.size;
  }

  /** Closes every connection (proxy shutdown, tests). */
  closeAll(): void {
    if (this.sweeper !== null) { clearInterval(this.sweeper); this.sweeper = null; }
    for (const c of this.all) c.socket.destroy();
    this.all.clear();
    this.idle.clear();
  }
}
