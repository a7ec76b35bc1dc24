// Envoy's TypedStruct (xds.type.v3 / udpa.type.v1) for HTTP filters: the filter's own type URL
// in `type_url`, its config as JSON in `value`. The control plane wraps Istio's
// `stats.PluginConfig` this way (as Istio's own EnvoyFilters did) because Envoy's protos do not
// carry it; the proxy builds the filter registered under the inner type URL.
import { MizzenError } from "../../errors.js";
import type { EnvoyJson } from "../../proxy/contracts.js";
import { httpFilterFactory, registerHttpFilter, type HttpFilter } from "../../proxy/http/filters/http-filter.js";

export const XDS_TYPED_STRUCT = "type.googleapis.com/xds.type.v3.TypedStruct";
export const UDPA_TYPED_STRUCT = "type.googleapis.com/udpa.type.v1.TypedStruct";

/** Wraps a typed_config whose type Envoy's protos lack into an xds.type.v3.TypedStruct. */
export function toTypedStruct(typedConfig: EnvoyJson): EnvoyJson {
  const { "@type": typeUrl, ...value } = typedConfig;
  return { "@type": XDS_TYPED_STRUCT, type_url: typeUrl, value };
}

/** The inner typed_config ({ "@type": type_url, ...value }); throws MizzenError naming the field. */
export function fromTypedStruct(ts: EnvoyJson, field: string): EnvoyJson {
  const url = ts["type_url"];
  if (typeof url !== "string" || url === "") throw new MizzenError("MIZZEN_ERR_XDS_INVALID", `${field}.type_url: is required`);
  const value = ts["value"] ?? {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new MizzenError("MIZZEN_ERR_XDS_INVALID", `${field}.value: must be a mapping`);
  return { ...(value as EnvoyJson), "@type": url };
}

function typedStructFactory(typeUrl: string): { typeUrl: string; create(name: string, tc: EnvoyJson, field: string): HttpFilter | null } {
  return {
    typeUrl,
    create(name, tc, field) {
      const inner = fromTypedStruct(tc, field);
      const f = httpFilterFactory(inner["@type"] as string);
      if (f === undefined) throw new MizzenError("MIZZEN_ERR_XDS_INVALID", `${field}.type_url: unsupported HTTP filter ${JSON.stringify(inner["@type"])}`);
      return f.create(name, inner, `${field}.value`);
    },
  };
}

registerHttpFilter(typedStructFactory(XDS_TYPED_STRUCT));
registerHttpFilter(typedStructFactory(UDPA_TYPED_STRUCT));
