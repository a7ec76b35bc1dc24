// Before a listener is compiled (synchronously), the proxy loads the extension code its
// configuration names: every type URL in it ("@type" of typed configs, "type_url" of TypedStructs)
// that maps to a module loaded on demand. Extensions nobody configures are never loaded.
import { loadHttpFilters } from "../http/filters/builtin.js";

/** Bounds the walk: Envoy resources nest a few dozen levels at most. */
const MAX_DEPTH = 64;

/** Every type URL named in a resource in Envoy JSON. */
export function typeUrlsIn(json: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > MAX_DEPTH || v === null || typeof v !== "object") return;
    if (Array.isArray(v)) {
      for (const item of v) walk(item, depth + 1);
      return;
    }
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
      if ((k === "@type" || k === "type_url") && typeof item === "string") out.add(item);
      else walk(item, depth + 1);
    }
  };
  walk(json, 0);
  return out;
}

/** Loads what a resource (listener, bootstrap) needs; cheap when everything is loaded already. */
export async function loadExtensionsFor(json: unknown): Promise<void> {
  await loadHttpFilters(typeUrlsIn(json));
}
