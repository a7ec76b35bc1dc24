// The proxy's process-wide logger with Envoy's level names (admin /logging changes the level).
export const LOG_LEVELS = ["trace", "debug", "info", "warning", "error", "critical", "off"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warning: 3, error: 4, critical: 5, off: 6 };

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

/** Envoy also accepts "warn" and "err" for warning and error. */
export function parseLogLevel(s: string): LogLevel | undefined {
  const v = s === "warn" ? "warning" : s === "err" ? "error" : s;
  return isLogLevel(v) ? v : undefined;
}

export class Logger {
  level: LogLevel = "info";
  /** Where lines go; tests may replace it. */
  sink: (line: string) => void = (line) => process.stderr.write(line + "\n");

  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level] && level !== "off";
  }

  log(level: LogLevel, msg: string): void {
    if (this.enabled(level)) this.sink(`[${new Date().toISOString()}][${level}] ${msg}`);
  }

  debug(msg: string): void { this.log("debug", msg); }
  info(msg: string): void { this.log("info", msg); }
  warn(msg: string): void { this.log("warning", msg); }
  error(msg: string): void { this.log("error", msg); }
}

export const logger = new Logger();
