// Istio's push debouncing (PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX): events are merged until
// `quietMs` pass without a new one, or `maxMs` since the first; then one push runs. Pushes never
// overlap: events arriving during a push start the next debounce window after it.

export interface PushRequest {
  /** A config change (full push); false when only endpoints changed (EDS-only push). */
  readonly full: boolean;
  /** When the first merged event arrived. */
  readonly firstEventAt: number;
  /** How many events were merged. */
  readonly events: number;
  readonly reasons: ReadonlySet<string>;
  /** The config kinds that changed (empty for platform workload updates). */
  readonly kinds: ReadonlySet<string>;
}

export interface DebounceOptions {
  readonly quietMs: number;
  readonly maxMs: number;
  readonly push: (req: PushRequest) => Promise<void>;
}

export class PushDebouncer {
  private pending: { full: boolean; firstEventAt: number; lastEventAt: number; events: number; reasons: Set<string>; kinds: Set<string> } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pushing: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly opts: DebounceOptions) {}

  /** Records a change; `full` for config changes, false for endpoint-only ones. */
  enqueue(full: boolean, reason: string, kind?: string): void {
    if (this.stopped) return;
    const now = Date.now();
    if (!this.pending) this.pending = { full, firstEventAt: now, lastEventAt: now, events: 0, reasons: new Set(), kinds: new Set() };
    const p = this.pending;
    p.full ||= full;
    p.lastEventAt = now;
    p.events += 1;
    p.reasons.add(reason);
    if (kind !== undefined) p.kinds.add(kind);
    if (!this.pushing) this.arm();
  }

  private arm(): void {
    const p = this.pending;
    if (!p || this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const now = Date.now();
    const quietLeft = p.lastEventAt + this.opts.quietMs - now;
    const maxLeft = p.firstEventAt + this.opts.maxMs - now;
    const wait = Math.max(0, Math.min(quietLeft, maxLeft));
    this.timer = setTimeout(() => this.fire(), wait);
  }

  private fire(): void {
    this.timer = undefined;
    const p = this.pending;
    if (!p || this.stopped) return;
    const now = Date.now();
    // A later event moved the quiet deadline: wait for it (bounded by maxMs).
    if (now < p.lastEventAt + this.opts.quietMs && now < p.firstEventAt + this.opts.maxMs) {
      this.arm();
      return;
    }
    this.pending = undefined;
    this.pushing = this.opts.push({ full: p.full, firstEventAt: p.firstEventAt, events: p.events, reasons: p.reasons, kinds: p.kinds })
      .catch(() => undefined)
      .finally(() => {
        this.pushing = undefined;
        this.arm();
      });
  }

  /** Resolves once no push is running (a pending window may still be open). */
  async idle(): Promise<void> {
    while (this.pushing) await this.pushing;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
