// `mizzen demo` (npm run demo): Bookinfo with the ingress gateway, its destination rules and the
// demo profile (access logs on), then where to look.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lastValue, parseFlags } from "../../controlplane/cli/flags.js";
import { errorMessage } from "../../errors.js";
import { stateDirOf } from "../../platform/local/mesh/state.js";
import { runUp, type UpOptions } from "../../platform/local/mesh/up-runner.js";
import { DEMO_TRACE_STORE_PORT, demoMeshConfig } from "../../telemetry/wiring/demo-telemetry.js";
import type { Command } from "../registry.js";
import { UP_FLAGS, upOptions } from "./up.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

const USAGE = `Usage: mizzen demo [--detach] [--capture auto|redirect|none] [--state-dir .mizzen] [--ingress-port 8080]
                   [--tracing-endpoint URL] [--trace-store-port 9411]

Runs Istio's Bookinfo on a local mesh: the four services (productpage, details, reviews v1/v2/v3,
ratings) with sidecars, the bookinfo Gateway on the ingress gateway, and the destination rules of
the Bookinfo tasks. The demo profile: access logs on, every request traced to the built-in trace
store (Zipkin API on 127.0.0.1:9411) unless --tracing-endpoint sends spans elsewhere.
It takes the flags of \`mizzen up\` (see \`mizzen up --help\`).`;

export const DEMO_PATHS = [
  "samples/bookinfo/platform",
  "samples/bookinfo/networking/bookinfo-gateway.yaml",
  "samples/bookinfo/networking/destination-rule-all.yaml",
].map((p) => join(ROOT, p));

/** `traces`: where spans go, the built-in store's port or --tracing-endpoint. */
function pointers(stateDir: string, traces: number | string): (ingressPort: number) => string {
  const flag = stateDir === stateDirOf(undefined) ? "" : ` --state-dir ${stateDir}`;
  return (port) => {
    return [
      "",
      "Bookinfo is up. Where to look:",
      `  product page     http://127.0.0.1:${port}/productpage   (log in as jason after applying the routing tasks)`,
      `  pods             mizzen status${flag}`,
      `  proxies          mizzen proxy-status${flag}`,
      `  metrics          curl http://<pod ip>:15020/stats/prometheus   (pod ips in mizzen status)`,
      `  access logs      mizzen logs <pod>${flag} -c proxy`,
      typeof traces === "number"
        ? `  traces           curl 'http://127.0.0.1:${traces}/api/v2/traces?limit=5'   (built-in trace store, Zipkin API)`
        : `  traces           sent to ${traces}`,
      `  tasks            mizzen apply${flag} -f samples/bookinfo/networking/virtual-service-all-v1.yaml (and samples/bookinfo/tasks/)`,
      `  stop             mizzen down${flag}`,
    ].join("\n");
  };
}

async function run(args: string[]): Promise<number> {
  let opts: UpOptions;
  try {
    const f = parseFlags(args, UP_FLAGS);
    if (f.booleans.has("help") || f.booleans.has("h")) {
      console.log(USAGE);
      return 0;
    }
    if (f.positionals.length > 0 || f.values.has("file")) throw new Error("demo takes no manifests (it runs samples/bookinfo)");
    opts = upOptions(f, DEMO_PATHS, ROOT);
    let traces: number | string | undefined;
    if (!lastValue(f, "mesh-config")) {
      // The demo profile: access logs to the proxies' stdout (their log files), every request
      // traced to the built-in trace store on 127.0.0.1:9411 (or to --tracing-endpoint).
      mkdirSync(opts.stateDir, { recursive: true });
      const file = join(opts.stateDir, "demo-mesh.yaml");
      const tracingEndpoint = lastValue(f, "tracing-endpoint");
      writeFileSync(file, demoMeshConfig({ tracingEndpoint, ...(opts.traceStorePort ? { traceStorePort: opts.traceStorePort } : {}) }));
      opts.meshConfigFile = file;
      if (tracingEndpoint === undefined) opts.traceStorePort ??= DEMO_TRACE_STORE_PORT;
      traces = tracingEndpoint ?? opts.traceStorePort;
    }
    opts.afterReady = pointers(opts.stateDir, traces ?? "where --mesh-config says");
  } catch (e) {
    console.error(`mizzen demo: ${errorMessage(e)}\n\n${USAGE}`);
    return 2;
  }
  return runUp(opts);
}

export const demoCommand: Command = { name: "demo", summary: "run Bookinfo on a local mesh with the ingress gateway on 127.0.0.1:8080", run };
