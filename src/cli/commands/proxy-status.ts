// `mizzen proxy-status`: every connected proxy's per-type xDS sync state, as `istioctl proxy-status`.
import { baseUrl, fetchJson } from "../../controlplane/cli/fetch-json.js";
import { lastValue, parseFlags } from "../../controlplane/cli/flags.js";
import { renderProxyStatus, type Syncz } from "../../controlplane/cli/proxy-status.js";
import { errorMessage, isMizzenError } from "../../errors.js";
import type { Command } from "../registry.js";
import { controlPlaneAddress } from "../control-plane-address.js";

const USAGE = `Usage: mizzen proxy-status [--cp-address 127.0.0.1:15014 | --state-dir DIR] [-o json] [proxy-id-prefix]

Lists connected proxies with CDS/LDS/EDS/RDS/ECDS state (SYNCED, NOT SENT, STALE), the NACK reasons
and how long each proxy took to ACK the last config change.
Without --cp-address it asks the local mesh recorded in --state-dir (default .mizzen), else 127.0.0.1:15014.`;

async function run(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  let address: string;
  let output: string;
  let prefix: string | undefined;
  try {
    const f = parseFlags(args, { values: { "cp-address": ["xds-address"], output: ["o"], "state-dir": [] } });
    address = controlPlaneAddress(lastValue(f, "cp-address"), lastValue(f, "state-dir"));
    output = lastValue(f, "output") ?? "table";
    if (output !== "table" && output !== "json") throw new Error(`-o must be "json" (or omitted for a table), got "${output}"`);
    if (f.positionals.length > 1) throw new Error("at most one proxy id prefix");
    prefix = f.positionals[0];
  } catch (e) {
    console.error(`mizzen proxy-status: ${errorMessage(e)}\n\n${USAGE}`);
    return 2;
  }
  try {
    const syncz = (await fetchJson(`${baseUrl(address)}/debug/syncz`, "the control plane")) as Syncz;
    const picked = prefix === undefined ? syncz : { ...syncz, proxies: syncz.proxies.filter((p) => p.proxyId.startsWith(prefix)) };
    console.log(output === "json" ? JSON.stringify(picked, null, 2) : renderProxyStatus(picked));
    return 0;
  } catch (e) {
    console.error(`mizzen proxy-status: ${isMizzenError(e) ? `${e.code}: ` : ""}${errorMessage(e)}`);
    return 1;
  }
}

export const proxyStatusCommand: Command = { name: "proxy-status", summary: "show the xDS sync state of every connected proxy", run };
