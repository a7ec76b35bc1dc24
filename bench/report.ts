// The benchmark's table: each figure with its ratio to nginx (same hop count) and to direct.

export interface Row {
  name: string;
  rps: number;
  p50Max: number;
  p99Max: number;
  cpuUsPerReqMax: number;
  p50Fixed: number;
  p99Fixed: number;
  cpuUsPerReqFixed: number;
  rssMb: number;
  /** Private_Clean + Private_Dirty: what the process holds alone. */
  privateMb: number;
}

/**
 * A proxy's ratios to nginx (same hop count), each the median over rounds of that round's ratio:
 * nginx and the proxy are measured seconds apart within a round, where this machine's capacity
 * drifts by a third over minutes, so a round's ratio moves less than either figure.
 */
export interface Ratios { rps: number; cpuUsPerReqMax: number; cpuUsPerReqFixed: number }

const f = (n: number, d = 2): string => (Number.isFinite(n) ? n.toFixed(d) : "-");

/** The nginx row a row compares with: the one of its hop count (none for the direct row or nginx's own). */
export function nginxFor(name: string): string | undefined {
  if (name === "direct" || name.startsWith("nginx")) return undefined;
  return name.includes("2 hops") ? "nginx 2 hops" : "nginx 1 hop";
}

/** Each row's ratios to its nginx row: `ratios` (per-round medians) where given, else of the figures shown. */
export function printTable(rows: readonly Row[], ratios: ReadonlyMap<string, Ratios> = new Map()): void {
  const by = (n: string): Row | undefined => rows.find((r) => r.name === n);
  const direct = by("direct");
  const cols = ["setup", "req/s", "÷nginx", "÷direct", "p50 max ms", "p99 max ms", "CPU µs/req max", "÷nginx",
    "p50@1k ms", "p99@1k ms", "CPU µs/req @1k", "÷nginx", "RSS MB", "private MB"];
  const lines: string[][] = [cols];
  for (const r of rows) {
    const own = r.name.startsWith("nginx") ? r : undefined;
    const ngName = nginxFor(r.name);
    const ng = own ?? (ngName === undefined ? undefined : by(ngName));
    const q = ratios.get(r.name) ?? (ng ? { rps: r.rps / ng.rps, cpuUsPerReqMax: r.cpuUsPerReqMax / ng.cpuUsPerReqMax, cpuUsPerReqFixed: r.cpuUsPerReqFixed / ng.cpuUsPerReqFixed } : undefined);
    lines.push([
      r.name, f(r.rps, 0), q ? f(q.rps) : "", direct ? f(r.rps / direct.rps) : "",
      f(r.p50Max, 3), f(r.p99Max, 3), f(r.cpuUsPerReqMax, 1), q ? f(q.cpuUsPerReqMax) : "",
      f(r.p50Fixed, 3), f(r.p99Fixed, 3), f(r.cpuUsPerReqFixed, 1), q ? f(q.cpuUsPerReqFixed) : "",
      f(r.rssMb, 1), f(r.privateMb, 1),
    ]);
  }
  const widths = cols.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? "").length)));
  for (const l of lines) process.stdout.write(`${l.map((c, i) => c.padStart(widths[i] as number)).join("  ")}\n`);
  const m1 = by("mizzen 1 hop");
  const n1 = by("nginx 1 hop");
  if (m1 && n1 && direct) {
    process.stdout.write(`p50 added per hop at 1k req/s: mizzen ${f(m1.p50Fixed - direct.p50Fixed, 3)} ms, nginx ${f(n1.p50Fixed - direct.p50Fixed, 3)} ms\n`);
  }
}
