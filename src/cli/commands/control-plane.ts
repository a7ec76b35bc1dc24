// `mizzen control-plane`: serves ADS (15010) and monitoring (15014) from a watched config directory.
import { readFile } from "node:fs/promises";
import { ControlPlane } from "../../controlplane/index.js";
import { lastValue, parseFlags, portValue } from "../../controlplane/cli/flags.js";
import { securityFlags, SECURITY_FLAG_NAMES, SECURITY_USAGE } from "../../controlplane/security/cli-flags.js";
import { errorMessage, isMizzenError } from "../../errors.js";
import type { Command } from "../registry.js";

const USAGE = `Usage: mizzen control-plane --config DIR [--platform local] [--data-dir DIR] [--xds-port 15010] [--monitoring-port 15014] [--mesh FILE] [--listen-address 0.0.0.0]
       [--secure-port 15012] [--ca-dir DIR] [--workload-cert-ttl 24h]

Reads Istio config and Kubernetes-shaped manifests from DIR (watched), serves ADS on the xDS port
(plaintext) and /metrics, /ready, /debug/syncz, /debug/config_dump, POST /debug/workloads on the
monitoring port.
${SECURITY_USAGE}`;

async function packageVersion(): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(new URL("../../../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "";
  } catch {
    return "";
  }
}

async function run(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  let cp: ControlPlane;
  try {
    const f = parseFlags(args, { values: { config: [], platform: [], "data-dir": [], "xds-port": [], "monitoring-port": [], mesh: [], "listen-address": [], ...SECURITY_FLAG_NAMES } });
    const dir = lastValue(f, "config");
    if (!dir) throw new Error("--config DIR is required");
    if (f.positionals.length > 0) throw new Error(`unexpected argument "${f.positionals[0] ?? ""}"`);
    const platform = lastValue(f, "platform") ?? "local";
    if (platform !== "local") throw new Error(`--platform ${platform} is not supported here (only "local")`);
    const host = lastValue(f, "listen-address") ?? "0.0.0.0";
    const version = await packageVersion();
    cp = new ControlPlane({
      configDir: dir,
      meshFile: lastValue(f, "mesh"),
      xdsAddress: `${host}:${portValue(f, "xds-port", 15010)}`,
      monitoringHost: host,
      monitoringPort: portValue(f, "monitoring-port", 15014),
      version: `mizzen-${version}`,
      ...securityFlags(f, dir, host),
    });
  } catch (e) {
    console.error(`mizzen control-plane: ${errorMessage(e)}\n\n${USAGE}`);
    return 2;
  }
  try {
    const ports = await cp.start();
    console.log(JSON.stringify({ event: "ready", ...ports }));
  } catch (e) {
    console.error(`mizzen control-plane: ${isMizzenError(e) ? `${e.code}: ` : ""}${errorMessage(e)}`);
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await cp.stop();
  return 0;
}

export const controlPlaneCommand: Command = { name: "control-plane", summary: "run the control plane (ADS on 15010, monitoring on 15014)", run };
