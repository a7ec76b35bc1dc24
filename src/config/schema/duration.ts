// Durations as Istio accepts them in YAML: protobuf Duration JSON ("10s", "0.5s") and Go duration
// strings ("100ms", "5m", "1h30m"), which Istio's CRD decoding also accepts.

const unitNanos: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3,
  "μs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Parses a duration into nanoseconds (a float), or undefined when malformed. Negative durations are rejected. */
export function parseDurationNanos(text: string): number | undefined {
  if (text === "0") return 0;
  if (text.length === 0 || text.length > 64) return undefined;
  let total = 0;
  let at = 0;
  part.lastIndex = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const m = part.exec(text);
    if (!m || m[1] === undefined || m[2] === undefined) return undefined;
    const unit = unitNanos[m[2]];
    if (unit === undefined) return undefined;
    total += Number(m[1]) * unit;
    at = part.lastIndex;
  }
  return Number.isFinite(total) ? total : undefined;
}

/** Milliseconds, or undefined when malformed. */
export function parseDurationMs(text: string): number | undefined {
  const ns = parseDurationNanos(text);
  return ns === undefined ? undefined : ns / 1e6;
}

export function checkDurationSyntax(text: string): string | undefined {
  return parseDurationNanos(text) === undefined
    ? `invalid duration "${text}": expected a number with a unit, e.g. "10s", "0.5s", "100ms", "5m"`
    : undefined;
}

/** Istio's ValidateDuration: at least 1ms and whole milliseconds. */
export function checkIstioDuration(text: string): string | undefined {
  const ns = parseDurationNanos(text);
  if (ns === undefined) return checkDurationSyntax(text);
  if (ns < 1e6) return "duration must be greater than 1ms";
  if (Math.abs(ns / 1e6 - Math.round(ns / 1e6)) > 1e-6) return "only durations to ms precision are supported";
  return undefined;
}

/** A duration within [minMs, maxMs] (inclusive). */
export function checkDurationRange(text: string, minMs: number, maxMs: number): string | undefined {
  const ms = parseDurationMs(text);
  if (ms === undefined) return checkDurationSyntax(text);
  if (ms < minMs || ms > maxMs) return `duration ${text} must be between ${formatMs(minMs)} and ${formatMs(maxMs)}`;
  return undefined;
}

function formatMs(ms: number): string {
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
