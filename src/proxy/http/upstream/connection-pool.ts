// Keep-alive HTTP/1.1 connections per upstream host (no pipelining: one request at a time per
// connection). Hosts are stable objects across cluster updates, so the host is the key.
import type { Cluster, UpstreamHost } from "../../contracts.js";
import { monotonicNow } from "../request-clock.js";
import { H1UpstreamConnection, type PoolRelease } from "./h1-upstream-connection.js";

const MAX_IDLE_PER_HOST = 1024;

export class H1ConnectionPool implements PoolRelease {
  private readonly idle = new Map<UpstreamHost, H1UpstreamConnection[]>();
  private readonly all = new Set<H1UpstreamConnection>();
  /**
   * One timer for all idle connections, armed for the earliest idle deadline, instead of a socket
   * timer moved per request. With one idle timeout per cluster, deadlines only grow, so a busy
   * pool arms it about once per timeout.
   */
  private sweeper: NodeJS.Timeout | null = null;
  private sweepAt = Infinity;

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

  /**
   * Takes back a connection whose response ended at `now` (monotonic ms). It closes after the
   * cluster's idle_timeout without a request (Envoy's "no active requests" time; 0: never).
   */
  release(c: H1UpstreamConnection, now: number): void {
    let list = this.idle.get(c.host);
    if (list === undefined) { list = []; this.idle.set(c.host, list); }
    if (list.length >= MAX_IDLE_PER_HOST) { this.forget(c); c.socket.destroy(); return; }
    const timeout = c.cluster.idleTimeoutMs;
    c.idleDeadline = timeout > 0 ? now + timeout : Infinity;
    list.push(c);
    if (c.idleDeadline < this.sweepAt) this.armSweep(c.idleDeadline, now);
  }

  private armSweep(at: number, now: number): void {
    if (this.sweeper !== null) clearTimeout(this.sweeper);
    this.sweepAt = at;
    this.sweeper = setTimeout(() => this.sweep(), Math.max(0, Math.ceil(at - now)));
    this.sweeper.unref();
  }

  /** Closes the connections whose idle deadline has passed; arms the timer for the next one. */
  private sweep(): void {
    this.sweeper = null;
    this.sweepAt = Infinity;
    const now = monotonicNow();
    let next = Infinity;
    for (const list of [...this.idle.values()]) {
      for (const c of [...list]) {
        if (c.idleDeadline <= now) { this.forget(c); c.socket.destroy(); }
        else if (c.idleDeadline < next) next = c.idleDeadline;
      }
    }
    if (next !== Infinity) this.armSweep(next, now);
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
    if (this.sweeper !== null) { clearTimeout(this.sweeper); this.sweeper = null; }
    this.sweepAt = Infinity;
    for (const c of this.all) c.socket.destroy();
    this.all.clear();
    this.idle.clear();
  }
}
