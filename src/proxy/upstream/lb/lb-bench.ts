// Micro-benchmark of host picking: each policy over 100 hosts, and a full cluster pickHost.
// Run: node dist/src/proxy/upstream/lb/lb-bench.js [picks]   (part A's bench/ may import runLbBench)
import { pathToFileURL } from "node:url";
import type { UpstreamHost } from "../../contracts.js";
import { ClusterManager } from "../cluster-manager.js";
import { DEFAULT_LB_CONFIG, loadBalancerFactory } from "./index.js";

export interface LbBenchResult {
  readonly name: string;
  readonly nsPerPick: number;
}

function hosts(n: number, weighted: boolean): UpstreamHost[] {
  return Array.from({ length: n }, (_, i) => ({
    address: `10.0.${i >> 8}.${i & 255}`, port: 8080, addressPort: `10.0.${i >> 8}.${i & 255}:8080`, weight: weighted ? 1 + (i % 3) : 1, priority: 0,
    locality: {}, health: "HEALTHY" as const, activeRequests: i % 5, ejected: false,
  }));
}

function time(name: string, picks: number, pick: (i: number) => unknown): LbBenchResult {
  for (let i = 0; i < Math.min(picks, 100_000); i++) pick(i); // warm up
  const start = process.hrtime.bigint();
  let sink = 0;
  for (let i = 0; i < picks; i++) if (pick(i) !== null) sink++;
  const ns = Number(process.hrtime.bigint() - start);
  if (sink < 0) console.log(sink);
  return { name, nsPerPick: ns / picks };
}

export function runLbBench(picks = 2_000_000): LbBenchResult[] {
  const results: LbBenchResult[] = [];
  for (const policy of ["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH", "MAGLEV"]) {
    for (const weighted of [false, true]) {
      const lb = loadBalancerFactory(policy)?.({ ...DEFAULT_LB_CONFIG });
      if (!lb) continue;
      lb.update(hosts(100, weighted), false);
      const ctx = { hash: 0 };
      results.push(time(`${policy}${weighted ? " weighted" : ""}`, picks, (i) => {
        ctx.hash = Math.imul(i, 2654435761) >>> 0;
        return lb.pick(ctx);
      }));
    }
  }
  const m = new ClusterManager({ timers: false });
  const cluster = m.set({
    name: "bench", load_assignment: { endpoints: [{ lb_endpoints: hosts(100, false).map((h) => ({
      endpoint: { address: { socket_address: { address: h.address, port_value: h.port } } } })) }] },
  });
  results.push(time("cluster.pickHost ROUND_ROBIN", picks, () => cluster.pickHost(undefined)));
  m.close();
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const picks = Number(process.argv[2] ?? 2_000_000);
  for (const r of runLbBench(picks)) console.log(`${r.name.padEnd(32)} ${r.nsPerPick.toFixed(1)} ns/pick`);
}
