// `mizzen up -f DIR`: runs Kubernetes-shaped manifests and Istio config as a local mesh (see
// src/platform/local/mesh/).
import { resolve } from "node:path";
import { lastValue, parseFlags, portValue, type ParsedFlags } from "../../controlplane/cli/flags.js";
import { errorMessage } from "../../errors.js";
import type { BridgeSpec } from "../../platform/local/pod-network.js";
import { stateDirOf } from "../../platform/local/mesh/state.js";
import { runUp, type UpOptions } from "../../platform/local/mesh/up-runner.js";
import { DEMO_TRACE_STORE_PORT, tracingMeshConfigFile } from "../../telemetry/wiring/demo-telemetry.js";
import type { Command } from "../registry.js";

const USAGE = `Usage: mizzen up -f DIR|FILE [-f …] [--detach] [--capture auto|redirect|none] [--state-dir .mizzen] [--ingress-port 8080] [--ingress-https-port 8443] [--timeout 120]
          [--mesh-config FILE] [--tracing-endpoint URL] [--trace-store-port 9411]

Starts the control plane and every Deployment in the manifests as pods (one process per container
plus a mizzen proxy sidecar), and the ingress gateway on 127.0.0.1:<ingress-port> (Gateway port 80;
its port 443 on <ingress-https-port>, TLS credentials from Secrets in istio-system). Istio config in
the manifests applies too. With --detach it returns once everything is ready; otherwise it stays in
the foreground until Ctrl-C and then shuts everything down.

  --capture auto       redirect (network namespaces + iptables) when root with ip and iptables, else none
  --timeout SECONDS    how long to wait for every pod to be ready (default 120)
  --tracing-endpoint URL  send every request's spans (Zipkin v2 JSON, 100 % sampling) to URL, e.g. http://127.0.0.1:9411/api/v2/spans
  --trace-store-port N    run the built-in trace store (Zipkin API) on 127.0.0.1:N while the mesh runs`;

export const UP_FLAGS = {
  values: { file: ["f", "filename"], capture: [], "state-dir": [], "ingress-port": [], "ingress-https-port": [], timeout: [], bridge: [], cwd: [], "mesh-config": [], "tracing-endpoint": [], "trace-store-port": [] },
  booleans: ["detach", "d", "daemon", "help", "h"],
};

function captureValue(v: string | undefined): UpOptions["capture"] {
  if (v === undefined || v === "auto" || v === "redirect" || v === "none") return v ?? "auto";
  throw new Error(`--capture must be auto, redirect or none, got "${v}"`);
}

/** --bridge NAME=GATEWAY (a /24), for running meshes side by side (tests). */
function bridgeValue(v: string | undefined): BridgeSpec | undefined {
  if (v === undefined) return undefined;
  const [name, gateway] = v.split("=");
  if (!name || !gateway || name.length > 15 || !/^\d+\.\d+\.\d+\.1$/.test(gateway)) throw new Error(`--bridge needs NAME=A.B.C.1 (a /24 gateway), got "${v}"`);
  return { name, gateway, prefix: 24 };
}

/** The options shared by up and demo. */
export function upOptions(f: ParsedFlags, paths: string[], cwd: string): UpOptions {
  const timeout = Number(lastValue(f, "timeout") ?? "120");
  if (!Number.isFinite(timeout) || timeout <= 0) throw new Error("--timeout needs a positive number of seconds");
  const bridge = bridgeValue(lastValue(f, "bridge"));
  const stateDir = stateDirOf(lastValue(f, "state-dir"));
  let mesh = lastValue(f, "mesh-config");
  const tracing = lastValue(f, "tracing-endpoint");
  if (tracing !== undefined) mesh = tracingMeshConfigFile(stateDir, mesh === undefined ? undefined : resolve(mesh), tracing);
  return {
    paths: paths.map((p) => resolve(p)),
    stateDir,
    capture: captureValue(lastValue(f, "capture")),
    ingressPort: portValue(f, "ingress-port", 8080),
    ingressHttpsPort: portValue(f, "ingress-https-port", 8443),
    cwd: resolve(lastValue(f, "cwd") ?? cwd),
    timeoutMs: timeout * 1000,
    detach: f.booleans.has("detach") || f.booleans.has("d"),
    daemon: f.booleans.has("daemon"),
    ...(bridge ? { bridge } : {}),
    ...(mesh ? { meshConfigFile: resolve(mesh) } : {}),
    ...(lastValue(f, "trace-store-port") !== undefined ? { traceStorePort: portValue(f, "trace-store-port", DEMO_TRACE_STORE_PORT) } : {}),
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
    const files = f.values.get("file") ?? [];
    if (files.length === 0) throw new Error("-f DIR|FILE is required");
    if (f.positionals.length > 0) throw new Error(`unexpected argument "${f.positionals[0] ?? ""}"`);
    opts = upOptions(f, files, process.cwd());
  } catch (e) {
    console.error(`mizzen up: ${errorMessage(e)}\n\n${USAGE}`);
    return 2;
  }
  return runUp(opts);
}

export const upCommand: Command = { name: "up", summary: "run manifests and Istio config as a local mesh (pods, sidecars, ingress gateway)", run };
