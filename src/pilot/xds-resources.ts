// Generated Envoy JSON → xDS resources per type URL, ready for the ADS server's snapshot cache or
// generator callback. Encoding validates each resource against Envoy's protos.
import { CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL } from "../api/envoy/index.js";
import { resourceFromEnvoyJson, type XdsResource } from "../xds/index.js";
import type { ProxyResources } from "./generate.js";

/**
 * Encoded resources by type URL and Envoy JSON text. Proxies of one namespace mostly get identical
 * clusters, endpoints and routes, and encoding is far dearer than JSON.stringify, so a cache kept
 * for one push saves most of the work. Drop it with the push it belongs to.
 */
export class EncodeCache {
  private readonly byKey = new Map<string, XdsResource>();

  encode(typeUrl: string, json: Record<string, unknown>): XdsResource {
    const key = `${typeUrl}\n${JSON.stringify(json)}`;
    let r = this.byKey.get(key);
    if (!r) {
      r = resourceFromEnvoyJson(typeUrl, json);
      this.byKey.set(key, r);
    }
    return r;
  }
}

export function toXdsResources(r: ProxyResources, cache?: EncodeCache): Record<string, XdsResource[]> {
  const enc = (typeUrl: string) => (json: Record<string, unknown>): XdsResource => (cache ? cache.encode(typeUrl, json) : resourceFromEnvoyJson(typeUrl, json));
  return {
    [CDS_TYPE_URL]: r.clusters.map(enc(CDS_TYPE_URL)),
    [EDS_TYPE_URL]: r.endpoints.map(enc(EDS_TYPE_URL)),
    [LDS_TYPE_URL]: r.listeners.map(enc(LDS_TYPE_URL)),
    [RDS_TYPE_URL]: r.routes.map(enc(RDS_TYPE_URL)),
  };
}
