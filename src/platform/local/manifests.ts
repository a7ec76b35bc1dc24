// Manifest files → what the local platform runs: Deployments (with their pods' containers),
// Services, ServiceAccounts. Decoding and validation are the config package's; any error there
// stops the run with every problem named by file, line and field.
import { decodePaths } from "../../config/decode/index.js";
import { formatDiagnostic } from "../../config/diagnostic.js";
import type { Deployment } from "../../config/kinds/core/index.js";
import type { Resource } from "../../config/resource.js";
import { MizzenError } from "../../errors.js";

export interface LocalManifests {
  deployments: Deployment[];
  /** Every decoded resource (Services, ServiceAccounts, Istio config …) for the control plane. */
  resources: Resource[];
}

export async function loadManifests(paths: readonly string[]): Promise<LocalManifests> {
  const { resources, diagnostics } = await decodePaths(paths);
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) {
    throw new MizzenError("MIZZEN_ERR_MANIFEST", `invalid manifests (${errors.length} error${errors.length === 1 ? "" : "s"}):\n${errors.map((d) => `  ${formatDiagnostic(d)}`).join("\n")}`, {
      details: errors.map((d) => formatDiagnostic(d)),
    });
  }
  return { deployments: resources.filter((r): r is Deployment => r.kind === "Deployment"), resources };
}
