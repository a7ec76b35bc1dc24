// `mizzen logs <pod> [-c app|proxy|<container>] [-f]`: a pod's container log from the state dir.
import { createReadStream, statSync } from "node:fs";
import { lastValue, parseFlags } from "../../controlplane/cli/flags.js";
import { errorMessage } from "../../errors.js";
import { readPods, stateDirOf } from "../../platform/local/mesh/state.js";
import type { ContainerStatus } from "../../platform/local/pod-runtime.js";
import type { Command } from "../registry.js";

const USAGE = `Usage: mizzen logs POD [-c app|proxy|CONTAINER] [-f] [-n NAMESPACE] [--state-dir .mizzen]

POD is a pod name or a unique prefix (e.g. productpage). -c proxy is the sidecar (istio-proxy),
-c app the first app container (the default).`;

function pickContainer(containers: readonly ContainerStatus[], c: string | undefined): ContainerStatus | undefined {
  if (c === undefined || c === "app") return containers.find((x) => x.role === "app") ?? containers.find((x) => x.role === "sidecar");
  if (c === "proxy" || c === "istio-proxy") return containers.find((x) => x.role === "sidecar") ?? containers.find((x) => x.name === "istio-proxy");
  return containers.find((x) => x.name === c);
}

function copyFrom(file: string, start: number): Promise<number> {
  return new Promise((resolve) => {
    let end = start;
    try {
      end = statSync(file).size;
    } catch {
      resolve(start);
      return;
    }
    if (end <= start) {
      resolve(end < start ? 0 : start);
      return;
    }
    const s = createReadStream(file, { start, end: end - 1 });
    s.on("data", (b) => process.stdout.write(b));
    s.on("end", () => resolve(end));
    s.on("error", () => resolve(start));
  });
}

async function run(args: string[]): Promise<number> {
  try {
    const f = parseFlags(args, { values: { container: ["c"], namespace: ["n"], "state-dir": [] }, booleans: ["follow", "f", "help", "h"] });
    if (f.booleans.has("help") || f.booleans.has("h")) {
      console.log(USAGE);
      return 0;
    }
    const name = f.positionals[0];
    if (!name) throw new Error("a pod name is required");
    const ns = lastValue(f, "namespace");
    const pods = readPods(stateDirOf(lastValue(f, "state-dir"))).filter((p) => ns === undefined || p.namespace === ns);
    const exact = pods.find((p) => p.name === name);
    const byPrefix = pods.filter((p) => p.name.startsWith(name));
    const pod = exact ?? (byPrefix.length === 1 ? byPrefix[0] : undefined);
    if (!pod) {
      console.error(byPrefix.length > 1 ? `mizzen logs: "${name}" matches ${byPrefix.map((p) => p.name).join(", ")}` : `mizzen logs: no pod "${name}"`);
      return 1;
    }
    const c = pickContainer(pod.containers, lastValue(f, "container"));
    if (!c) {
      console.error(`mizzen logs: pod ${pod.name} has no container "${lastValue(f, "container") ?? ""}" (containers: ${pod.containers.map((x) => x.name).join(", ")})`);
      return 1;
    }
    let at = await copyFrom(c.logFile, 0);
    if (!f.booleans.has("follow") && !f.booleans.has("f")) return 0;
    let stop = false;
    const onSig = (): void => { stop = true; };
    process.once("SIGINT", onSig);
    process.once("SIGTERM", onSig);
    while (!stop) {
      await new Promise((r) => setTimeout(r, 300));
      at = await copyFrom(c.logFile, at);
    }
    return 0;
  } catch (e) {
    console.error(`mizzen logs: ${errorMessage(e)}\n\n${USAGE}`);
    return 2;
  }
}

export const logsCommand: Command = { name: "logs", summary: "print a local mesh pod's container log", run };
