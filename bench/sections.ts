// The sections of `npm run bench` after the proxy-vs-nginx table: the cost of metrics in the proxy,
// stalls a throughput table misses (HTTP/2 clients, a split POST through upstream TLS),
// load-balancer host picking, and the control plane at scale (1000 services, 100 ADS clients).
import { runLbBench } from "../src/proxy/upstream/lb/lb-bench.js";
import { runControlPlaneBench } from "./controlplane/index.js";
import { runMetricsOverhead } from "./metrics-overhead.js";
import { runStallGuards } from "./stall-guards.js";

export async function runOtherSections(quick: boolean): Promise<void> {
  process.stdout.write("\n## Proxy throughput with Istio metrics on vs off (one hop, wrk saturation)\n");
  const m = await runMetricsOverhead({ rounds: quick ? 1 : 3, seconds: quick ? 2 : 4 });
  process.stdout.write(
    `metrics on  ${m.on.rps.toFixed(0)} req/s, p50 ${m.on.p50Ms.toFixed(2)} ms\n` +
      `metrics off ${m.off.rps.toFixed(0)} req/s, p50 ${m.off.p50Ms.toFixed(2)} ms\n` +
      `on/off throughput ratio ${m.ratio.toFixed(2)}\n`,
  );

  process.stdout.write("\n## HTTP/2 clients and a split POST through upstream TLS (stalls the table above would miss)\n");
  await runStallGuards(quick);

  process.stdout.write("\n## Load balancer host picking (100 hosts)\n");
  for (const r of runLbBench(quick ? 200_000 : 2_000_000)) process.stdout.write(`${r.name.padEnd(32)} ${r.nsPerPick.toFixed(1)} ns/pick\n`);

  process.stdout.write("\n## Control plane: 1000 services × 2 endpoints, 100 ADS clients (targets: change → all ACKs ≤ 1 s, RSS ≤ 500 MB)\n");
  await runControlPlaneBench();
}
