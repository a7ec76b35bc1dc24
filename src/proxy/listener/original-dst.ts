// Loads the optional native addon that reads SO_ORIGINAL_DST. When it failed to build or load,
// REDIRECT capture is unavailable (a clear error), and everything else keeps working.
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import { MizzenError, errorMessage } from "../../errors.js";

interface Addon {
  getOriginalDst(fd: number): { address: string; port: number } | null;
}

let addon: Addon | undefined;
let loadError: string | undefined;

function load(): Addon | undefined {
  if (addon || loadError !== undefined) return addon;
  try {
    // dist/src/proxy/listener → repository root
    const require = createRequire(import.meta.url);
    addon = require("../../../../build/Release/original_dst.node") as Addon;
  } catch (e) {
    loadError = errorMessage(e);
  }
  return addon;
}

export function originalDstAvailable(): boolean {
  return load() !== undefined;
}

/** Throws MizzenError when the addon is missing, so a listener asking for original_dst is rejected. */
export function requireOriginalDst(field: string): void {
  if (!load()) {
    throw new MizzenError(
      "MIZZEN_ERR_ORIGINAL_DST_UNAVAILABLE",
      `${field}: envoy.filters.listener.original_dst needs the native addon (build/Release/original_dst.node), which did not load: ${loadError ?? "unknown"}; REDIRECT capture is unavailable (rebuild with \`npm rebuild\` on Linux with a C compiler)`,
    );
  }
}

/** The pre-NAT destination of a REDIRECTed connection, or null when it was not redirected. */
export function getOriginalDst(socket: Socket): { address: string; port: number } | null {
  const a = load();
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (!a || typeof fd !== "number" || fd < 0) return null;
  try {
    const r = a.getOriginalDst(fd);
    if (!r) return null;
    return { address: r.address.startsWith("::ffff:") ? r.address.slice(7) : r.address, port: r.port };
  } catch {
    return null;
  }
}
