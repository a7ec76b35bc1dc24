// ORIGINAL_DST: the host is the connection's original destination. Hosts are created on first
// use and removed by a cleanup sweep (every cleanup_interval) once idle for a whole interval.
import { isIP } from "node:net";
import { HostImpl, hostKey } from "../host.js";

export class OriginalDstHosts {
  private readonly hosts = new Map<string, HostImpl>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private cleanupIntervalMs: number,
    private readonly now: () => number,
    /** Called when hosts are added or removed. */
    private readonly onChange: () => void,
  ) {}

  setCleanupInterval(ms: number): void {
    if (ms === this.cleanupIntervalMs) return;
    this.cleanupIntervalMs = ms;
    if (this.timer) this.start();
  }

  list(): HostImpl[] {
    return [...this.hosts.values()];
  }

  /** The host for a destination, created on demand; null for a non-IP destination. */
  get(address: string, port: number): HostImpl | null {
    const key = hostKey(address, port);
    let h = this.hosts.get(key);
    if (!h) {
      if (isIP(address) === 0 || !Number.isInteger(port) || port <= 0 || port > 65535) return null;
      h = new HostImpl({ address, port, weight: 1, priority: 0, locality: {}, health: "HEALTHY" });
      this.hosts.set(key, h);
      this.onChange();
    }
    h.lastUsedMs = this.now();
    return h;
  }

  start(): void {
    this.stop();
    this.timer = setInterval(() => this.cleanup(), this.cleanupIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Drops hosts unused for a cleanup interval and with nothing in flight. */
  cleanup(): number {
    const now = this.now();
    let removed = 0;
    for (const [key, h] of this.hosts) {
      const busy = h.activeRequests > 0 || h.activeConnections > 0;
      if (!busy && now - h.lastUsedMs >= this.cleanupIntervalMs) {
        this.hosts.delete(key);
        removed++;
      }
    }
    if (removed > 0) this.onChange();
    return removed;
  }
}
