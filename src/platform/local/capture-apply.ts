// Applies and removes REDIRECT capture rules in the current network namespace with the system's
// iptables tools (iptables-restore --noflush, iptables-save, iptables -D/-F/-X).
import { spawnSync } from "node:child_process";
import { MizzenError } from "../../errors.js";
import { CAPTURE_CHAINS, captureRestoreScript, taggedRuleDeletions, type CaptureOptions } from "./capture-rules.js";

/** Waits up to 5 s for the xtables lock: other pods' init steps may hold it at the same moment. */
const WAIT = ["-w", "5"];

function run(cmd: string, args: string[], input?: string): { ok: boolean; out: string; err: string } {
  const r = spawnSync(cmd, cmd === "iptables-save" ? args : [...WAIT, ...args], { encoding: "utf8", input, timeout: 15_000 });
  if (r.error) return { ok: false, out: "", err: r.error.message };
  return { ok: r.status === 0, out: r.stdout, err: r.stderr };
}

/** Whether iptables is installed and usable (root). */
export function iptablesUsable(): boolean {
  return run("iptables", ["-t", "nat", "-S", "OUTPUT"]).ok;
}

/** Installs the rules, removing any earlier Mizzen rules first so the result is the same every time. */
export function applyCapture(opts: CaptureOptions): void {
  cleanupCapture();
  const r = run("iptables-restore", ["--noflush"], captureRestoreScript(opts));
  if (!r.ok) throw new MizzenError("MIZZEN_ERR_CAPTURE_APPLY", `iptables-restore failed: ${r.err.trim()}`);
}

/** Removes Mizzen's nat rules and chains; what is not there is skipped. Returns how many rules and chains went. */
export function cleanupCapture(): number {
  const saved = run("iptables-save", ["-t", "nat"]);
  if (!saved.ok) throw new MizzenError("MIZZEN_ERR_CAPTURE_CLEANUP", `iptables-save failed: ${saved.err.trim()}`);
  let removed = 0;
  for (const del of taggedRuleDeletions(saved.out)) if (run("iptables", del).ok) removed++;
  // Flush every chain before deleting any: our chains jump to each other.
  const present = CAPTURE_CHAINS.filter((chain) => saved.out.includes(`:${chain} `));
  for (const chain of present) run("iptables", ["-t", "nat", "-F", chain]);
  for (const chain of present) if (run("iptables", ["-t", "nat", "-X", chain]).ok) removed++;
  return removed;
}
