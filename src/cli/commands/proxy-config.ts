// `mizzen proxy-config <type> <proxy>`: the xDS resources a proxy was sent, as istioctl's tables or
// Envoy JSON, from the control plane's /debug/config_dump or a proxy's admin /config_dump.
import { baseUrl, fetchJson } from "../../controlplane/cli/fetch-json.js";
import { lastValue, parseFlags, portValue } from "../../controlplane/cli/flags.js";
import { renderSection, sectionResources, type Section } from "../../controlplane/cli/proxy-config-tables.js";
import { errorMessage, isMizzenError } from "../../errors.js";
import type { EnvoyJson } from "../../proxy/contracts.js";
import type { Command } from "../registry.js";

const SECTIONS: readonly Section[] = ["cluster", "listener", "route", "endpoint", "secret", "bootstrap"];
const ALIASES: Readonly<Record<string, Section | "all">> = { cluster: "cluster", clusters: "cluster", c: "cluster", listener: "listener", listeners: "listener", l: "listener", route: "route", routes: "route", r: "route", endpoint: "endpoint", endpoints: "endpoint", ep: "endpoint", secret: "secret", secrets: "secret", s: "secret", bootstrap: "bootstrap", b: "bootstrap", all: "all" };
import { controlPlaneAddress } from "../control-plane-address.js";

const USAGE = `Usage: mizzen proxy-config cluster|listener|route|endpoint|secret|bootstrap|all <proxy-id-or-prefix> [-o json]
       [--cp-address 127.0.0.1:15014 | --state-dir DIR | --admin HOST:PORT] [--port N] [--fqdn HOST] [--subset NAME] [--direction inbound|outbound] [--name ROUTE]`;

async function run(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  let url: string;
  let what: string;
  let sections: Section[];
  let json: boolean;
  let filter: { port?: number; fqdn?: string | undefined; subset?: string | undefined; direction?: string | undefined; name?: string | undefined };
  try {
    const f = parseFlags(args, { values: { output: ["o"], "cp-address": [], "state-dir": [], admin: [], port: [], fqdn: [], subset: [], direction: [], name: [] } });
    const [kind, proxy, ...extra] = f.positionals;
    const section = kind === undefined ? undefined : ALIASES[kind];
    if (!section) throw new Error(kind === undefined ? "which resources? (cluster, listener, route, endpoint, secret, bootstrap, all)" : `unknown resource type "${kind}"`);
    if (extra.length > 0) throw new Error(`unexpected argument "${extra[0] ?? ""}"`);
    const admin = lastValue(f, "admin");
    if (!admin && !proxy) throw new Error("a proxy id (or unique prefix) is required unless --admin is given");
    const output = lastValue(f, "output") ?? "table";
    if (output !== "table" && output !== "json") throw new Error(`-o must be "json" (or omitted for a table), got "${output}"`);
    json = output === "json";
    sections = section === "all" ? SECTIONS.filter((s) => s !== "bootstrap") : [section];
    filter = { fqdn: lastValue(f, "fqdn"), subset: lastValue(f, "subset"), direction: lastValue(f, "direction"), name: lastValue(f, "name") };
    if (lastValue(f, "port") !== undefined) filter.port = portValue(f, "port", 0);
    if (admin) {
      url = `${baseUrl(admin)}/config_dump`;
      what = "the proxy admin";
    } else {
      url = `${baseUrl(controlPlaneAddress(lastValue(f, "cp-address"), lastValue(f, "state-dir")))}/debug/config_dump?proxyID=${encodeURIComponent(proxy ?? "")}`;
      what = "the control plane";
      if (section === "bootstrap") throw new Error("the bootstrap is only known to the proxy: give its admin address with --admin HOST:PORT");
    }
  } catch (e) {
    console.error(`mizzen proxy-config: ${errorMessage(e)}\n\n${USAGE}`);
    return 2;
  }
  try {
    const dump = (await fetchJson(url, what)) as EnvoyJson;
    if (json) {
      const out = sections.length === 1 && sections[0] ? sectionResources(dump, sections[0]) : dump;
      console.log(JSON.stringify(out, null, 2));
    } else {
      console.log(sections.map((s) => renderSection(dump, s, filter)).join("\n\n"));
    }
    return 0;
  } catch (e) {
    console.error(`mizzen proxy-config: ${isMizzenError(e) ? `${e.code}: ` : ""}${errorMessage(e)}`);
    return 1;
  }
}

export const proxyConfigCommand: Command = { name: "proxy-config", summary: "show the xDS resources a proxy was sent (tables or Envoy JSON)", run };
