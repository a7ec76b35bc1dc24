// `mizzen down`: stops the mesh of a state directory and everything it started.
import { lastValue, parseFlags } from "../../controlplane/cli/flags.js";
import { errorMessage } from "../../errors.js";
import { meshDown } from "../../platform/local/mesh/down.js";
import { stateDirOf } from "../../platform/local/mesh/state.js";
import type { Command } from "../registry.js";

const USAGE = `Usage: mizzen down [--state-dir .mizzen]

Stops the mesh started by "mizzen up" or "mizzen demo": apps, sidecars, gateways, the control
plane, and (capture redirect) the pods' network namespaces, capture rules and bridge.`;

async function run(args: string[]): Promise<number> {
  let stateDir: string;
  try {
    const f = parseFlags(args, { values: { "state-dir": [] }, booleans: ["help", "h"] });
    if (f.booleans.has("help") || f.booleans.has("h")) {
      console.log(USAGE);
      return 0;
    }
    if (f.positionals.length > 0) throw new Error(`unexpected argument "${f.positionals[0] ?? ""}"`);
    stateDir = stateDirOf(lastValue(f, "state-dir"));
  } catch (e) {
    console.error(`mizzen down: ${errorMessage(e)}\n\n${USAGE}`);
    return 2;
  }
  const r = await meshDown(stateDir);
  (r.ok ? console.log : console.error)(r.message);
  return r.ok ? 0 : 1;
}

export const downCommand: Command = { name: "down", summary: "stop the local mesh and everything it started", run };
