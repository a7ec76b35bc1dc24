// One timer per client connection for the route timeout, re-armed for each request with
// Timeout.refresh() rather than a new timer object per request (an allocation, an async id and a
// clearTimeout each time). A request that ends only lets go of it; a stale expiry finds no owner.

export class ReusableTimeout<T> {
  private timer: NodeJS.Timeout | null = null;
  private ms = 0;
  private owner: T | null = null;

  constructor(private readonly onExpiry: (owner: T) => void) {}

  /** Calls `onExpiry(owner)` in `ms` unless `release(owner)` comes first. */
  arm(owner: T, ms: number): void {
    this.owner = owner;
    if (this.timer !== null && this.ms === ms) { this.timer.refresh(); return; }
    if (this.timer !== null) clearTimeout(this.timer);
    this.ms = ms;
    this.timer = setTimeout(expire, ms, this);
    // Only a request in flight needs it, and its sockets keep the process running.
    this.timer.unref();
  }

  release(owner: T): void {
    if (this.owner === owner) this.owner = null;
  }

  /** The connection is gone. */
  close(): void {
    this.owner = null;
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
  }

  /** @internal */
  expired(): void {
    const owner = this.owner;
    this.owner = null;
    if (owner !== null) this.onExpiry(owner);
  }
}

function expire(t: { expired(): void }): void { t.expired(); }
