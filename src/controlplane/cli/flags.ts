// Flag parsing for the control-plane commands: `--name value`, `--name=value`, `-o json`,
// repeatable flags, positionals; unknown flags are usage errors (exit 2).
import { MizzenError } from "../../errors.js";

export interface FlagSpec {
  /** Flag names (without dashes) that take a value; the first is the canonical name. */
  readonly values: Readonly<Record<string, readonly string[]>>;
  /** Boolean flags. */
  readonly booleans?: readonly string[];
}

export interface ParsedFlags {
  readonly values: ReadonlyMap<string, string[]>;
  readonly booleans: ReadonlySet<string>;
  readonly positionals: readonly string[];
}

export function usageError(message: string): MizzenError {
  return new MizzenError("MIZZEN_ERR_USAGE", message);
}

export function parseFlags(args: readonly string[], spec: FlagSpec): ParsedFlags {
  const alias = new Map<string, string>();
  for (const [name, aliases] of Object.entries(spec.values)) for (const a of [name, ...aliases]) alias.set(a, name);
  const bools = new Set(spec.booleans ?? []);
  const values = new Map<string, string[]>();
  const booleans = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const key = eq >= 0 ? body.slice(0, eq) : body;
    if (bools.has(key) && eq < 0) {
      booleans.add(key);
      continue;
    }
    const name = alias.get(key);
    if (!name) throw usageError(`unknown flag ${arg}`);
    let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : args[++i];
    if (value === undefined) throw usageError(`flag ${arg} needs a value`);
    if (value === "") value = "";
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  return { values, booleans, positionals };
}

export function lastValue(f: ParsedFlags, name: string): string | undefined {
  const v = f.values.get(name);
  return v?.[v.length - 1];
}

export function portValue(f: ParsedFlags, name: string, fallback: number): number {
  const raw = lastValue(f, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw usageError(`--${name} must be a port number (0-65535), got "${raw}"`);
  return n;
}

/** Renders rows as an aligned table (istioctl's tabwriter look: columns separated by spaces). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join("").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
