// Every kind the decoder accepts, grouped by API group. Each group folder exports its list.
import type { KindDefinition } from "../kind.js";
import { networkingKinds } from "./networking/index.js";
import { securityKinds } from "./security/index.js";
import { telemetryKinds } from "./telemetry/index.js";
import { coreKinds } from "./core/index.js";

export const allKinds: readonly KindDefinition[] = [...networkingKinds, ...securityKinds, ...telemetryKinds, ...coreKinds];

export function findKind(apiVersion: string, kind: string): KindDefinition | undefined {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return allKinds.find((k) => k.kind === kind && k.group === group && k.versions.includes(version));
}
