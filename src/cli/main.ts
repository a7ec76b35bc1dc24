// The `mizzen` command: dispatches to one module per sub-command (src/cli/commands/<name>.ts).
import { commands, type Command } from "./registry.js";

export const USAGE_EXIT = 2;

function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "mizzen: a service mesh that speaks Istio's configuration API",
    "",
    "Usage: mizzen <command> [flags]",
    "",
    "Commands:",
    ...lines,
    "",
    "Run `mizzen <command> --help` for a command's flags.",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(helpText());
    return name === undefined ? USAGE_EXIT : 0;
  }
  if (name === "--version" || name === "version") {
    console.log(await version());
    return 0;
  }
  const cmd: Command | undefined = commands.find((c) => c.name === name);
  if (!cmd) {
    console.error(`mizzen: unknown command "${name}"\n\n${helpText()}`);
    return USAGE_EXIT;
  }
  return cmd.run(rest);
}

async function version(): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  const pkg = JSON.parse(await readFile(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return `mizzen ${pkg.version}`;
}
