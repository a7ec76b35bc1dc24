// `mizzen apply -f FILE|DIR`: validates, then writes the resources into the running mesh's config
// directory, which its control plane watches (new Deployments start pods).
import { refreshGatewaySecrets } from "../../platform/local/mesh/gateway-credentials.js";
import { lastValue, parseFlags } from "../../controlplane/cli/flags.js";
import { errorMessage } from "../../errors.js";
import { loadValidated, readConfigDir, writeResources } from "../../platform/local/mesh/config-dir.js";
import { nonePortMapper } from "../../platform/local/mesh/none-ports.js";
import { runningMesh, stateDirOf } from "../../platform/local/mesh/state.js";
import type { Command } from "../registry.js";

const USAGE = `Usage: mizzen apply -f FILE|DIR [-f …] [--state-dir .mizzen]

Validates the manifests (every error by file and field; nothing is applied when one is wrong) and
applies them to the running mesh. A resource without a namespace goes to "default".`;

async function run(args: string[]): Promise<number> {
  let files: string[];
  let stateDir: string;
  try {
    const f = parseFlags(args, { values: { file: ["f", "filename"], "state-dir": [] }, booleans: ["help", "h"] });
    if (f.booleans.has("help") || f.booleans.has("h")) {
      console.log(USAGE);
      return 0;
    }
    files = f.values.get("file") ?? [];
    if (files.length === 0) throw new Error("-f FILE|DIR is required");
    if (f.positionals.length > 0) throw new Error(`unexpected argument "${f.positionals[0] ?? ""}"`);
    stateDir = stateDirOf(lastValue(f, "state-dir"));
  } catch (e) {
    console.error(`mizzen apply: ${errorMessage(e)}\n\n${USAGE}`);
    return 2;
  }
  try {
    const resources = await loadValidated(files);
    const mesh = runningMesh(stateDir);
    const mapper = mesh.captureMode === "NONE" ? nonePortMapper(mesh, resources, await readConfigDir(mesh.configDir)) : undefined;
    writeResources(mesh.configDir, resources, mapper);
    await refreshGatewaySecrets(mesh.stateDir, mesh.configDir);
    for (const r of resources) console.log(`${r.kind.toLowerCase()}/${r.metadata.name}${r.metadata.namespace ? ` (${r.metadata.namespace})` : ""} configured`);
    return 0;
  } catch (e) {
    console.error(`mizzen apply: ${errorMessage(e)}`);
    return 1;
  }
}

export const applyCommand: Command = { name: "apply", summary: "apply manifests or Istio config to the running local mesh", run };
