// One timer per client connection for the route timeout. Arming it for a request moves a
// deadline; the Node timer is only touched when it would fire after that deadline. Keep-alive
// requests with the same timeout move the deadline later each time, so the timer set for an
// earlier request stays, and when it fires before the current deadline it is set again for the
// rest. Re-inserting a Node timer on every request (Timeout.refresh()) cost about 1,000
// instructions; moving a number costs nothing. A request that ends only lets go of the owner;
// an expiry that finds no owner does nothing.
import { monotonicNow } from "../request-clock.js";

export class ReusableTimeout<T> {
  private timer: NodeJS.Timeout | null = null;
  /** Monotonic time the Node timer fires at, and the current owner's deadline. */
  private firesAt = 0;
  private deadline = 0;
  private owner: T | null = null;

  constructor(private readonly onExpiry: (owner: T) => void) {}

  /** Calls `onExpiry(owner)` `ms` after `now` (monotonic, request-clock.ts) unless `release(owner)` comes first. */
  arm(owner: T, ms: number, now: number): void {
    this.owner = owner;
    this.deadline = now + ms;
    if (this.timer !== null && this.firesAt <= this.deadline) return; // it fires first and sets itself again
    this.schedule(ms, now);
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
    this.timer = null;
    const owner = this.owner;
    if (owner === null) return;
    const now = monotonicNow();
    // Node's timers run on the loop's clock, which may lag this one by a fraction of a ms.
    if (this.deadline - now >= 1) { this.schedule(this.deadline - now, now); return; }
    this.owner = null;
    this.onExpiry(owner);
  }

  private schedule(ms: number, now: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.firesAt = now + ms;
    this.timer = setTimeout(expire, ms, this);
    // Only a request in flight needs it, and its sockets keep the process running.
    this.timer.unref();
  }
}

function expire(t: { expired(): void }): void { t.expired(); }
