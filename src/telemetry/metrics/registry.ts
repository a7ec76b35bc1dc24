// Prometheus-style metric families. A series is keyed by its label values (interned as one
// joined key); counters and histogram buckets are updated in place on the request path and
// label strings are built only when the registry is scraped. Series per family are capped:
// beyond the cap observations land in one overflow count instead of growing memory.

export type MetricType = "counter" | "histogram";

/** Separator for interned label keys; never appears in sane label values. */
const SEP = "\u0001";
export const DEFAULT_MAX_SERIES = 10_000;

/** The interned key of a label tuple. */
export function seriesKey(values: readonly string[]): string {
  return values.length === 1 ? (values[0] as string) : values.join(SEP);
}

export class CounterSeries {
  value = 0;
  constructor(readonly labels: readonly string[]) {}
}

export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(readonly labels: readonly string[], buckets: number) {
    this.counts = new Float64Array(buckets);
  }
}

abstract class Family<S extends { labels: readonly string[] }> {
  protected readonly series = new Map<string, S>();
  /** Observations dropped because the family reached its series cap. */
  overflow = 0;

  private readonly names: string[];
  private static readonly VALID_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

  constructor(readonly name: string, readonly help: string, labelNames: readonly string[], readonly maxSeries: number) {
    this.names = [...labelNames];
  }

  get labelNames(): readonly string[] {
    return this.names;
  }

  /**
   * The position of a label, appending it when new (metric overrides adding a dimension). Older
   * series print it empty, which Prometheus reads as absent. -1 for an invalid label name.
   */
  labelIndex(label: string): number {
    const i = this.names.indexOf(label);
    if (i >= 0) return i;
    if (!Family.VALID_LABEL.test(label) || label.startsWith("__") || label === "le") return -1;
    this.names.push(label);
    return this.names.length - 1;
  }

  /** `countOverflow` false: the caller counts the observation itself (at(), then add() or record()). */
  protected seriesFor(values: readonly string[], key = seriesKey(values), countOverflow = true): S | null {
    let s = this.series.get(key);
    if (s === undefined) {
      if (this.series.size >= this.maxSeries) { if (countOverflow) this.overflow++; return null; }
      s = this.make(values.slice());
      this.series.set(key, s);
    }
    return s;
  }

  protected abstract make(values: readonly string[]): S;
  abstract readonly type: MetricType;
  abstract expose(out: string[]): void;

  get seriesCount(): number {
    return this.series.size;
  }

  protected labelText(values: readonly string[], extra?: string): string {
    const parts: string[] = [];
    for (let i = 0; i < this.names.length; i++) parts.push(`${this.names[i] as string}="${escapeLabel(values[i] ?? "")}"`);
    if (extra !== undefined) parts.push(extra);
    return parts.length === 0 ? "" : `{${parts.join(",")}}`;
  }
}

export class CounterFamily extends Family<CounterSeries> {
  readonly type = "counter";

  /** `key` = seriesKey(values), when the caller already has it (one key for several metrics). */
  inc(values: readonly string[], by = 1, key?: string): void {
    const s = this.seriesFor(values, key);
    if (s !== null) s.value += by;
  }

  /** The series of `values` (made if new), to update in place with add(); null past the series cap. */
  at(values: readonly string[], key?: string): CounterSeries | null {
    return this.seriesFor(values, key, false);
  }

  /** inc() on a series at() gave (null: past the cap, counted as overflow). */
  add(s: CounterSeries | null, by = 1): void {
    if (s !== null) s.value += by;
    else this.overflow++;
  }

  get(values: readonly string[]): number {
    return this.series.get(seriesKey(values))?.value ?? 0;
  }

  protected make(values: readonly string[]): CounterSeries {
    return new CounterSeries(values);
  }

  expose(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const s of this.series.values()) out.push(`${this.name}${this.labelText(s.labels)} ${formatNumber(s.value)}`);
  }
}

export class HistogramFamily extends Family<HistogramSeries> {
  readonly type = "histogram";

  constructor(name: string, help: string, labelNames: readonly string[], readonly buckets: readonly number[], maxSeries: number) {
    super(name, help, labelNames, maxSeries);
  }

  observe(values: readonly string[], v: number, key?: string): void {
    const s = this.seriesFor(values, key);
    if (s !== null) this.record(s, v);
  }

  /** The series of `values` (made if new), to update in place with record(); null past the series cap. */
  at(values: readonly string[], key?: string): HistogramSeries | null {
    return this.seriesFor(values, key, false);
  }

  /** observe() on a series at() gave (null: past the cap, counted as overflow). */
  record(s: HistogramSeries | null, v: number): void {
    if (s === null) { this.overflow++; return; }
    s.sum += v;
    s.count++;
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) {
      if (v <= (b[i] as number)) { s.counts[i] = (s.counts[i] as number) + 1; return; }
    }
  }

  /** Observation count of one series (for tests and admin). */
  countOf(values: readonly string[]): number {
    return this.series.get(seriesKey(values))?.count ?? 0;
  }

  protected make(values: readonly string[]): HistogramSeries {
    return new HistogramSeries(values, this.buckets.length);
  }

  expose(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    for (const s of this.series.values()) {
      let cum = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        cum += s.counts[i] as number;
        out.push(`${this.name}_bucket${this.labelText(s.labels, `le="${formatNumber(this.buckets[i] as number)}"`)} ${formatNumber(cum)}`);
      }
      out.push(`${this.name}_bucket${this.labelText(s.labels, 'le="+Inf"')} ${formatNumber(s.count)}`);
      out.push(`${this.name}_sum${this.labelText(s.labels)} ${formatNumber(s.sum)}`);
      out.push(`${this.name}_count${this.labelText(s.labels)} ${formatNumber(s.count)}`);
    }
  }
}

export class MetricRegistry {
  private readonly families: (CounterFamily | HistogramFamily)[] = [];

  constructor(readonly maxSeries = DEFAULT_MAX_SERIES) {}

  counter(name: string, help: string, labelNames: readonly string[]): CounterFamily {
    const f = new CounterFamily(name, help, labelNames, this.maxSeries);
    this.families.push(f);
    return f;
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): HistogramFamily {
    const f = new HistogramFamily(name, help, labelNames, buckets, this.maxSeries);
    this.families.push(f);
    return f;
  }

  /** Prometheus text exposition format 0.0.4; families without series are left out. */
  expose(): string {
    const out: string[] = [];
    let overflow = 0;
    for (const f of this.families) {
      overflow += f.overflow;
      if (f.seriesCount > 0) f.expose(out);
    }
    if (overflow > 0) {
      out.push("# HELP mizzen_metric_series_overflow_total Observations dropped because a metric reached its series cap.",
        "# TYPE mizzen_metric_series_overflow_total counter", `mizzen_metric_series_overflow_total ${overflow}`);
    }
    return out.length === 0 ? "" : `${out.join("\n")}\n`;
  }
}

export function escapeLabel(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : v;
}

function formatNumber(n: number): string {
  if (n === Infinity) return "+Inf";
  return Number.isInteger(n) && Math.abs(n) >= 1e21 ? n.toExponential() : String(n);
}
