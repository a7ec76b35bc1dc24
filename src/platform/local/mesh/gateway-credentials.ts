// HTTPS gateway servers with `credentialName`: the gateway's proxy finds its certificate as the SDS
// secret `kubernetes://<credentialName>` (pilot's name). Istio reads it from a Secret in the
// gateway's namespace; here the Secrets of istio-system in the applied manifests become static
// secrets of the gateway's bootstrap (kubernetes.io/tls `tls.crt`/`tls.key`/`ca.crt`, or Istio's
// generic `cert`/`key`/`cacert`).
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Resource } from "../../../config/resource.js";
import type { EnvoyJson } from "../../../proxy/contracts.js";

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

/** Writes them for the gateway pods (root-only file); returns its path, or undefined when there are none. */
export function writeGatewaySecrets(stateDir: string, resources: readonly Resource[]): string | undefined {
  const secrets = gatewaySecrets(resources);
  if (secrets.length === 0) return undefined;
  const file = join(stateDir, "gateway-secrets.json");
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
