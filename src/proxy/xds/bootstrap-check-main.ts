// Entry point of the short-lived process that checks a bootstrap for `mizzen proxy` (see
// bootstrap-isolated.ts): prints one JSON line, { bootstrap } or { error: { code, message, details } }.
import { isMizzenError, errorMessage } from "../../errors.js";
import { loadBootstrap } from "./bootstrap.js";
import type { BootstrapCheckOutput } from "./bootstrap-isolated.js";

async function main(file: string | undefined): Promise<BootstrapCheckOutput> {
  if (file === undefined) return { error: { code: "MIZZEN_ERR_BOOTSTRAP", message: "bootstrap checker: no file given" } };
  try {
    return { bootstrap: await loadBootstrap(file) };
  } catch (e) {
    return { error: { code: isMizzenError(e) ? e.code : "MIZZEN_ERR_BOOTSTRAP", message: errorMessage(e), ...(isMizzenError(e) && e.details ? { details: [...e.details] } : {}) } };
  }
}

const out = await main(process.argv[2]);
process.stdout.write(`${JSON.stringify(out)}\n`);
