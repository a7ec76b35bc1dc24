// Loads and checks a bootstrap in a short-lived child process, so the proxy never holds what the
// checks need: the YAML parser and Envoy's protos with their validate rules (protobufjs, ~30 MB
// resident that a process does not give back once loaded). The checks and their messages are
// exactly loadBootstrap()'s; only where they run differs. A static proxy then never loads protobuf.
import { fileURLToPath } from "node:url";
import { MizzenError, errorMessage } from "../../errors.js";
import type { EnvoyJson } from "../contracts.js";
import { nodeChildProcess } from "../lazy-builtins.js";

/** What the checker process prints (one JSON line). */
export type BootstrapCheckOutput =
  | { readonly bootstrap: EnvoyJson }
  | { readonly error: { readonly code: string; readonly message: string; readonly details?: readonly string[] } };

const CHECKER = fileURLToPath(new URL("./bootstrap-check-main.js", import.meta.url));
/** Generous: the checker loads Envoy's protos (~0.5 s here); a stuck child must not hang startup. */
const CHECK_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** Like loadBootstrap(path), run in a child process; falls back to checking in-process if the child cannot run. */
export async function loadBootstrapIsolated(path: string): Promise<EnvoyJson> {
  let out: BootstrapCheckOutput | undefined;
  try {
    out = await runChecker(path);
  } catch {
    out = undefined;
  }
  if (out === undefined) {
    // No child (process limits, a sandbox): the same checks, paid for in this process.
    const { loadBootstrap } = await import("./bootstrap.js");
    return loadBootstrap(path);
  }
  if ("error" in out) throw new MizzenError(out.error.code, out.error.message, out.error.details ? { details: out.error.details } : undefined);
  return out.bootstrap;
}

function runChecker(path: string): Promise<BootstrapCheckOutput> {
  return new Promise((resolve, reject) => {
    // No execArgv: the parent's flags (heap limits, loaders) are not the checker's business.
    nodeChildProcess().execFile(process.execPath, [CHECKER, path], { timeout: CHECK_TIMEOUT_MS, maxBuffer: MAX_OUTPUT_BYTES, encoding: "utf8" }, (err, stdout) => {
      if (err) {
        reject(new MizzenError("MIZZEN_ERR_BOOTSTRAP", `bootstrap checker failed: ${errorMessage(err)}`, { cause: err }));
        return;
      }
      try {
        const parsed = JSON.parse(stdout) as unknown;
        if (isCheckOutput(parsed)) resolve(parsed);
        else reject(new MizzenError("MIZZEN_ERR_BOOTSTRAP", "bootstrap checker printed an unexpected result"));
      } catch (e) {
        reject(new MizzenError("MIZZEN_ERR_BOOTSTRAP", `bootstrap checker printed invalid JSON: ${errorMessage(e)}`, { cause: e }));
      }
    });
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isCheckOutput(v: unknown): v is BootstrapCheckOutput {
  if (!isObject(v)) return false;
  if (isObject(v.bootstrap)) return true;
  const e = v.error;
  return isObject(e) && typeof e.code === "string" && typeof e.message === "string" && (e.details === undefined || (Array.isArray(e.details) && e.details.every((d) => typeof d === "string")));
}
