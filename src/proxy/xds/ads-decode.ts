// Turns the Any payloads of an xDS response into named Envoy JSON resources, rejecting (with a
// reason) the ones that do not decode, have the wrong type, or break Envoy's validate rules.
import type { AnyMessage } from "../../api/envoy/discovery.js";
import { formatProblem } from "../../api/envoy/problems.js";
import { envoyType } from "../../api/envoy/protos.js";
import { toEnvoyJson } from "../../api/envoy/to-envoy-json.js";
import { ENDPOINT_TYPE, typeNameOfUrl } from "../../api/envoy/type-urls.js";
import { validateEnvoyMessage } from "../../api/envoy/validate.js";
import { errorMessage } from "../../errors.js";
import type { EnvoyJson } from "../contracts.js";

export interface DecodedResource {
  readonly name: string;
  readonly version: string;
  readonly resource: EnvoyJson;
}

export interface ResourceError {
  readonly name: string;
  readonly error: string;
}

export interface DecodeResult {
  readonly resources: DecodedResource[];
  readonly errors: ResourceError[];
  readonly warnings: string[];
}

/** Decodes one resource; `nameHint` is the delta Resource.name (SotW resources carry only their own). */
export function decodeResource(typeUrl: string, any: AnyMessage, version: string, nameHint: string, index: number, out: DecodeResult): void {
  const fallbackName = nameHint || `#${index}`;
  if (any.type_url !== typeUrl) {
    out.errors.push({ name: fallbackName, error: `resource type ${any.type_url} does not match ${typeUrl}` });
    return;
  }
  const typeName = typeNameOfUrl(typeUrl);
  try {
    const type = envoyType(typeName);
    const msg = type.decode(any.value);
    const unknown: string[] = [];
    const json = toEnvoyJson(typeName, msg, { onUnknownType: (path, url) => unknown.push(`${path}: ${url}`) });
    const key = typeName === ENDPOINT_TYPE ? "cluster_name" : "name";
    const name = nameHint || (typeof json[key] === "string" ? (json[key] as string) : "");
    if (name === "") {
      out.errors.push({ name: fallbackName, error: `${key}: value length must be at least 1 runes` });
      return;
    }
    const problems = validateEnvoyMessage(type, msg).map(formatProblem);
    if (problems.length > 0) {
      out.errors.push({ name, error: `Proto constraint validation failed: ${problems.join("; ")}` });
      return;
    }
    // Unknown typed configs stay as { "@type", value } for the applier to accept or reject.
    for (const u of unknown) out.warnings.push(`${name}: unknown type ${u}`);
    out.resources.push({ name, version, resource: json });
  } catch (e) {
    out.errors.push({ name: fallbackName, error: `cannot decode ${typeName}: ${errorMessage(e)}` });
  }
}

/**
 * Decodes a resource of a non-Envoy type (e.g. Istio's NDS NameTable) with the given decoder into
 * plain JSON; a resource without a name (SotW carries none) is named after its type.
 */
export function decodeForeignResource(typeUrl: string, any: AnyMessage, version: string, nameHint: string, index: number, decode: (value: Uint8Array) => EnvoyJson, out: DecodeResult): void {
  const name = nameHint || (index === 0 ? typeNameOfUrl(typeUrl) : `${typeNameOfUrl(typeUrl)}#${index}`);
  if (any.type_url !== typeUrl) {
    out.errors.push({ name, error: `resource type ${any.type_url} does not match ${typeUrl}` });
    return;
  }
  try {
    out.resources.push({ name, version, resource: decode(any.value) });
  } catch (e) {
    out.errors.push({ name, error: `cannot decode ${typeNameOfUrl(typeUrl)}: ${errorMessage(e)}` });
  }
}

/** The NACK's error_detail message: each rejected resource with its reason. */
export function nackMessage(errors: readonly ResourceError[]): string {
  return errors.map((e) => `${e.name}: ${e.error}`).join("\n");
}
