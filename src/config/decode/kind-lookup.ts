// Resolves apiVersion + kind to a KindDefinition, or explains what is wrong with close matches.
import type { KindDefinition } from "../kind.js";
import { allKinds, findKind } from "../kinds/index.js";
import { closest } from "./suggest.js";

function apiVersions(def: KindDefinition): string {
  return def.versions.map((v) => (def.group ? `${def.group}/${v}` : v)).join(", ");
}

export function lookupKind(apiVersion: string, kind: string): { def: KindDefinition } | { message: string } {
  const def = findKind(apiVersion, kind);
  if (def) return { def };
  const sameKind = allKinds.filter((k) => k.kind === kind);
  if (sameKind.length > 0) {
    const accepted = sameKind.map(apiVersions).join("; ");
    return { message: `${kind} does not support apiVersion "${apiVersion}"; accepted: ${accepted}` };
  }
  const names = [...new Set(allKinds.map((k) => k.kind))];
  const hint = closest(kind, names);
  const close = hint ? allKinds.filter((k) => k.kind === hint) : [];
  const suggestion = close.length > 0 ? ` (did you mean ${hint} with apiVersion ${close.map(apiVersions).join("; ")}?)` : "";
  return { message: `unknown kind "${kind}" in apiVersion "${apiVersion}"${suggestion}` };
}
