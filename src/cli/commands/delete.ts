// `mizzen delete -f FILE`: removes the file's resources from the running mesh's config directory.
import { refreshGatewaySecrets } from "../../platform/local/mesh/gateway-credentials.js";
import { lastValue, parseFlags } from "../../controlplane/cli/flags.js";
import { decodePaths } from "../../config/decode/index.js";
import { formatDiagnostic } from "../../config/diagnostic.js";
import { errorMessage } from "../../errors.js";
import { removeResources } from "../../platform/local/mesh/config-dir.js";
import { runningMesh, stateDirOf } from "../../platform/local/mesh/state.js";
import type { Command } from "../registry.js";

const USAGE = `Usage: mizzen delete -f FILE|DIR [-f …] [--state-dir .mizzen]

Deletes the resources named in the files (kind, namespace, name) from the running mesh.`;

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
    stateDir = stateDirOf(lastValue(f, "state-dir"));
  } catch (e) {
    console.error(`mizzen delete: ${errorMessage(e)}\n\n${USAGE}`);
    return 2;
  }
  try {
    const mesh = runningMesh(stateDir);
    // Deleting needs only kind, namespace and name: a file that fails validation can still be deleted.
    const { resources, diagnostics } = await decodePaths(files);
    const unreadable = diagnostics.filter((d) => d.severity === "error" && !d.resource);
    if (unreadable.length > 0) throw new Error(unreadable.map((d) => formatDiagnostic(d)).join("\n"));
    const { removed, missing } = removeResources(mesh.configDir, resources);
    await refreshGatewaySecrets(mesh.stateDir, mesh.configDir);
    for (const r of removed) console.log(`${r.replace(/\.yaml$/, "")} deleted`);
    for (const m of missing) console.error(`${m.replace(/\.yaml$/, "")} not found`);
    return missing.length > 0 ? 1 : 0;
  } catch (e) {
    console.error(`mizzen delete: ${errorMessage(e)}`);
    return 1;
  }
}

export const deleteCommand: Command = { name: "delete", summary: "delete resources from the running local mesh", run };
