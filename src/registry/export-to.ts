// Istio's exportTo: "." (the resource's own namespace), "*" (every namespace), "~" (none) or
// namespace names. Unset means "*" (MeshConfig's defaultServiceExportTo default).
import type { ExportTo } from "./model.js";

/** Kubernetes Services carry exportTo in this annotation, comma separated. */
export const EXPORT_TO_ANNOTATION = "networking.istio.io/exportTo";

export function parseExportTo(values: readonly string[] | undefined, ownNamespace: string): ExportTo {
  if (values === undefined || values.length === 0) return "*";
  const out = new Set<string>();
  for (const raw of values) {
    const v = raw.trim();
    if (v === "*") return "*";
    if (v === ".") out.add(ownNamespace);
    else if (v !== "~" && v !== "") out.add(v);
  }
  return out;
}

export function exportToAnnotation(annotations: Readonly<Record<string, string>> | undefined): string[] | undefined {
  const v = annotations?.[EXPORT_TO_ANNOTATION];
  return v === undefined ? undefined : v.split(",");
}

export function isExportedTo(exportTo: ExportTo, namespace: string): boolean {
  return exportTo === "*" || exportTo.has(namespace);
}
