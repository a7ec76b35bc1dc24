// ConfigMap (core v1). Istio's mesh config lives in the ConfigMap `istio` (or `istio-<revision>`)
// under the key `mesh`; that YAML is validated here as MeshConfig.
import { z } from "zod";
import { strict } from "../../schema/index.js";
import { renderPath } from "../../decode/index.js";
import type { KindDefinition, ValidationContext } from "../../kind.js";
import type { Resource } from "../../resource.js";
import { meshConfigFromConfigMap } from "../../mesh/index.js";
import { checkConfigKey, decodeBase64 } from "./names.js";
import { nullFieldsAsUnset } from "./null-fields.js";

const configMapBody = strict({
  data: z.record(z.string(), z.string()).optional(),
  binaryData: z.record(z.string(), z.string()).optional(),
  immutable: z.boolean().optional(),
});
export type ConfigMapBody = z.infer<typeof configMapBody>;
export type ConfigMap = Resource<ConfigMapBody>;

/** True for the ConfigMaps istiod reads its mesh config from. */
export function isMeshConfigMap(name: string, data: Readonly<Record<string, string>> | undefined): boolean {
  return name === "istio" || (name.startsWith("istio-") && data?.mesh !== undefined);
}

function validate(body: ConfigMapBody, ctx: ValidationContext): void {
  for (const key of Object.keys(body.data ?? {})) {
    const err = checkConfigKey(key);
    if (err) ctx.error(renderPath(["data", key]), err);
  }
  for (const [key, value] of Object.entries(body.binaryData ?? {})) {
    const path = renderPath(["binaryData", key]);
    const err = checkConfigKey(key);
    if (err) ctx.error(path, err);
    if (decodeBase64(value) === undefined) ctx.error(path, "value is not valid base64");
    if (body.data?.[key] !== undefined) ctx.error(path, `key "${key}" is also in data; a key may be in only one of data and binaryData`);
  }
  if (!isMeshConfigMap(ctx.resource.name, body.data)) return;
  const result = meshConfigFromConfigMap({ data: body.data });
  for (const d of result.diagnostics) {
    if (d.severity === "error") ctx.error(d.path ?? "data", d.message);
    else ctx.warn(d.path ?? "data", d.message);
  }
}

export const configMapKind: KindDefinition<ConfigMapBody> = {
  group: "",
  versions: ["v1"],
  kind: "ConfigMap",
  namespaced: true,
  schema: nullFieldsAsUnset(configMapBody),
  validate,
};
