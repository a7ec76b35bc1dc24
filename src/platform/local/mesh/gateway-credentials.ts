// HTTPS gateway servers with `credentialName`: the gateway's proxy finds its certificate as the SDS
// secret `kubernetes://<credentialName>` (pilot's name). Istio reads it from a Secret in the
// gateway's namespace; here the Secrets of istio-system in the applied manifests become static
// secrets the gateway's agent serves over SDS (sds-relay.ts), following this file as Secrets are
// applied (kubernetes.io/tls `tls.crt`/`tls.key`/`ca.crt`, or Istio's generic `cert`/`key`/`cacert`).
import { chmodSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Resource } from "../../../config/resource.js";
import type { EnvoyJson } from "../../../proxy/contracts.js";
import { readConfigDir } from "./config-dir.js";

const GATEWAY_NAMESPACE = "istio-system";

/** The value of a Secret key as base64 (data is base64 already; stringData is text). */
function value(r: Resource, keys: readonly string[]): string | undefined {
  const data = (r["data"] ?? {}) as Record<string, string>;
  const text = (r["stringData"] ?? {}) as Record<string, string>;
  for (const k of keys) {
    if (text[k] !== undefined) return Buffer.from(text[k]).toString("base64");
    if (data[k] !== undefined) return data[k];
  }
  return undefined;
}

/** Envoy Secret resources for the gateway: `kubernetes://<name>` and `kubernetes://<name>-cacert`. */
export function gatewaySecrets(resources: readonly Resource[]): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  for (const r of resources) {
    if (r.kind !== "Secret" || (r.metadata.namespace ?? "default") !== GATEWAY_NAMESPACE) continue;
    const cert = value(r, ["tls.crt", "cert"]);
    const key = value(r, ["tls.key", "key"]);
    const ca = value(r, ["ca.crt", "cacert"]);
    const name = `kubernetes://${r.metadata.name}`;
    if (cert && key) out.push({ name, tls_certificate: { certificate_chain: { inline_bytes: cert }, private_key: { inline_bytes: key } } });
    if (ca) out.push({ name: `${name}-cacert`, validation_context: { trusted_ca: { inline_bytes: ca } } });
  }
  return out;
}

/**
 * Writes them for the gateway pods (root-only file, replaced in one rename so that the gateways'
 * agents, which follow it, never read half of it); returns its path.
 */
export function writeGatewaySecrets(stateDir: string, resources: readonly Resource[]): string {
  const file = join(stateDir, "gateway-secrets.json");
  writeFileSync(`${file}.tmp`, JSON.stringify(gatewaySecrets(resources)), { mode: 0o600 });
  chmodSync(`${file}.tmp`, 0o600);
  renameSync(`${file}.tmp`, file);
  return file;
}

/** After `mizzen apply`/`delete`: the gateways' credentials from the Secrets now in the config dir. */
export async function refreshGatewaySecrets(stateDir: string, configDir: string): Promise<void> {
  writeGatewaySecrets(stateDir, await readConfigDir(configDir));
}
