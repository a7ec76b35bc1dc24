// Generated Envoy JSON → xDS resources per type URL, ready for the ADS server's snapshot cache or
// generator callback. Encoding validates each resource against Envoy's protos.
import { CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL } from "../api/envoy/index.js";
import { resourceFromEnvoyJson, type XdsResource } from "../xds/index.js";
import type { ProxyResources } from "./generate.js";

export function toXdsResources(r: ProxyResources): Record<string, XdsResource[]> {
  return {
    [CDS_TYPE_URL]: r.clusters.map((c) => resourceFromEnvoyJson(CDS_TYPE_URL, c)),
    [EDS_TYPE_URL]: r.endpoints.map((e) => resourceFromEnvoyJson(EDS_TYPE_URL, e)),
    [LDS_TYPE_URL]: r.listeners.map((l) => resourceFromEnvoyJson(LDS_TYPE_URL, l)),
    [RDS_TYPE_URL]: r.routes.map((x) => resourceFromEnvoyJson(RDS_TYPE_URL, x)),
  };
}
