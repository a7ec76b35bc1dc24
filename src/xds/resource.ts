// A resource as the ADS server holds it: already encoded once, with a content version.
import { createHash } from "node:crypto";
import type { AnyMessage } from "../api/envoy/discovery.js";
import { encodeEnvoyJson } from "../api/envoy/from-envoy-json.js";
import { ENDPOINT_TYPE, typeNameOfUrl } from "../api/envoy/type-urls.js";
import { MizzenError } from "../errors.js";
import type { EnvoyJson } from "../proxy/contracts.js";

export interface XdsResource {
  readonly name: string;
  /** Content hash unless the producer gave one; a changed version means "send again". */
  readonly version: string;
  readonly any: AnyMessage;
}

export function contentVersion(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex").slice(0, 16);
}

/** The resource's name as xDS keys it (ClusterLoadAssignment by cluster_name, others by name). */
export function resourceNameOf(typeUrl: string, json: EnvoyJson): string {
  const key = typeNameOfUrl(typeUrl) === ENDPOINT_TYPE ? "cluster_name" : "name";
  const name = json[key];
  if (typeof name !== "string" || name === "") {
    throw new MizzenError("MIZZEN_ERR_XDS_INVALID", `${typeNameOfUrl(typeUrl)} has no ${key}`);
  }
  return name;
}

/** Validates and encodes Envoy JSON into a resource (throws MIZZEN_ERR_XDS_INVALID naming the field). */
export function resourceFromEnvoyJson(typeUrl: string, json: EnvoyJson, options?: { name?: string; version?: string }): XdsResource {
  const bytes = encodeEnvoyJson(typeNameOfUrl(typeUrl), json);
  return rawResource(typeUrl, options?.name ?? resourceNameOf(typeUrl, json), bytes, options?.version);
}

/** A resource from bytes already encoded (no validation: lets tests and callers send anything). */
export function rawResource(typeUrl: string, name: string, bytes: Uint8Array, version?: string): XdsResource {
  return { name, version: version ?? contentVersion(bytes), any: { type_url: typeUrl, value: bytes } };
}

/** One version for a set of resources: stable across orderings, changes when any member changes. */
export function setVersion(resources: Iterable<XdsResource>): string {
  const parts = [...resources].map((r) => `${r.name}\u0000${r.version}`).sort();
  return createHash("sha256").update(parts.join("\u0001")).digest("hex").slice(0, 16);
}
