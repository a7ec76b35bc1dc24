// Secret (core v1). The mesh reads TLS credentials from Secrets: Kubernetes' kubernetes.io/tls
// (`tls.crt`, `tls.key`, optional `ca.crt`) and Istio's generic form (`cert`, `key`, `cacert`).
import { z } from "zod";
import { strict } from "../../schema/index.js";
import { renderPath } from "../../decode/index.js";
import type { KindDefinition, ValidationContext } from "../../kind.js";
import type { Resource } from "../../resource.js";
import { checkConfigKey, decodeBase64 } from "./names.js";
import { certMatchesKey, checkCertificates, checkPrivateKey } from "./pem.js";
import { nullFieldsAsUnset } from "./null-fields.js";

const secretBody = strict({
  type: z.string().optional(),
  data: z.record(z.string(), z.string()).optional(),
  stringData: z.record(z.string(), z.string()).optional(),
  immutable: z.boolean().optional(),
});
export type SecretBody = z.infer<typeof secretBody>;
export type Secret = Resource<SecretBody>;

/** Each key's decoded text and where it came from (stringData wins over data, as in Kubernetes). */
type Values = Map<string, { text: string; path: string }>;

function collectValues(body: SecretBody, ctx: ValidationContext): Values {
  const values: Values = new Map();
  for (const [key, raw] of Object.entries(body.data ?? {})) {
    const path = renderPath(["data", key]);
    const keyErr = checkConfigKey(key);
    if (keyErr) ctx.error(path, keyErr);
    const bytes = decodeBase64(raw);
    if (bytes === undefined) ctx.error(path, "value is not valid base64 (use stringData for plain text)");
    else values.set(key, { text: bytes.toString("utf8"), path });
  }
  for (const [key, text] of Object.entries(body.stringData ?? {})) {
    const path = renderPath(["stringData", key]);
    const keyErr = checkConfigKey(key);
    if (keyErr) ctx.error(path, keyErr);
    values.set(key, { text, path });
  }
  return values;
}

/** Checks a certificate/key pair (and optional CA bundle) under the given key names. */
function checkPair(values: Values, certKey: string, keyKey: string, caKey: string, required: boolean, ctx: ValidationContext): void {
  const cert = values.get(certKey);
  const key = values.get(keyKey);
  if (required || cert || key) {
    if (!cert) ctx.error(renderPath(["data", certKey]), `"${certKey}" is required${key ? ` alongside "${keyKey}"` : " for a TLS secret"}`);
    if (!key) ctx.error(renderPath(["data", keyKey]), `"${keyKey}" is required${cert ? ` alongside "${certKey}"` : " for a TLS secret"}`);
  }
  const certCheck = cert ? checkCertificates(cert.text) : undefined;
  if (cert && certCheck?.error) ctx.error(cert.path, `"${certKey}" ${certCheck.error}`);
  const keyCheck = key ? checkPrivateKey(key.text) : undefined;
  if (key && keyCheck?.error) ctx.error(key.path, `"${keyKey}" ${keyCheck.error}`);
  if (key && certCheck?.leaf && keyCheck?.key && !certMatchesKey(certCheck.leaf, keyCheck.key)) {
    ctx.error(key.path, `"${keyKey}" does not match the certificate in "${certKey}"`);
  }
  const ca = values.get(caKey);
  if (ca) {
    const caCheck = checkCertificates(ca.text);
    if (caCheck.error) ctx.error(ca.path, `"${caKey}" ${caCheck.error}`);
  }
}

function validate(body: SecretBody, ctx: ValidationContext): void {
  const type = body.type ?? "Opaque";
  if (type === "") ctx.error("type", "type must not be empty");
  const values = collectValues(body, ctx);
  const isTls = type === "kubernetes.io/tls";
  if (isTls || values.has("tls.crt") || values.has("tls.key")) checkPair(values, "tls.crt", "tls.key", "ca.crt", isTls, ctx);
  else if (values.has("ca.crt")) checkPair(values, "tls.crt", "tls.key", "ca.crt", false, ctx);
  if (values.has("cert") || values.has("key") || values.has("cacert")) checkPair(values, "cert", "key", "cacert", false, ctx);
  if (type === "kubernetes.io/dockerconfigjson" && !values.has(".dockerconfigjson")) {
    ctx.error(renderPath(["data", ".dockerconfigjson"]), '".dockerconfigjson" is required for type kubernetes.io/dockerconfigjson');
  }
  if (type === "kubernetes.io/basic-auth" && !values.has("username") && !values.has("password")) {
    ctx.error("data", 'type kubernetes.io/basic-auth needs "username" or "password"');
  }
}

export const secretKind: KindDefinition<SecretBody> = {
  group: "",
  versions: ["v1"],
  kind: "Secret",
  namespaced: true,
  schema: nullFieldsAsUnset(secretBody),
  validate,
};
