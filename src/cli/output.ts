// Shared CLI output: text/json/yaml printing and the usage-error shape every command uses.
import { stringify as toYaml } from "yaml";

export type OutputFormat = "text" | "json" | "yaml";

/** `text` (istioctl's `log` is accepted as its synonym), `json` or `yaml`; undefined for anything else. */
export function parseOutputFormat(s: string | undefined, fallback: OutputFormat = "text"): OutputFormat | undefined {
  if (s === undefined) return fallback;
  const l = s.toLowerCase();
  if (l === "text" || l === "log") return "text";
  if (l === "json" || l === "yaml") return l;
  return undefined;
}

/** JSON as istioctl prints it (tab-indented), newline-terminated. */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, "\t") + "\n";
}

export function formatYaml(value: unknown): string {
  return toYaml(value, { lineWidth: 0 });
}

export function formatStructured(value: unknown, format: "json" | "yaml"): string {
  return format === "json" ? formatJson(value) : formatYaml(value);
}

/** Writes text to stdout, adding the final newline when missing; nothing for an empty string. */
export function printOut(text: string): void {
  if (text === "") return;
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

export function printErr(text: string): void {
  if (text === "") return;
  process.stderr.write(text.endsWith("\n") ? text : text + "\n");
}

/** `mizzen <command>: <message>` on stderr, plus a pointer to --help. */
export function usageError(command: string, message: string): void {
  printErr(`mizzen ${command}: ${message}\nRun \`mizzen ${command} --help\` for usage.`);
}

/** The message of a util.parseArgs failure without Node's internal prefixes. */
export function parseArgsMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/^TypeError \[[A-Z_]+\]: /, "").split("\n")[0] ?? m;
}
